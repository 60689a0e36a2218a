#!/bin/sh
# check.sh [DIR]: checks the generator's dictionary files (DIR/*.txt; DIR defaults to
# the directory holding this script). Prints one line per problem, as FILE:LINE: what,
# and exits 1 if there was any problem, 0 if none.
#
# Rules (docs/schema-format.md, "Dictionaries"): ASCII text (so also UTF-8), one entry
# per line, lines end with \n including the last, no blank lines, no leading or
# trailing whitespace, fields separated by one TAB, the same number of fields on every
# line, the first field unique in the file, no commas or double quotes, and where a
# line has a weight (the last field, when there are two or more) it is a positive
# decimal number. cities.txt is city<TAB>state<TAB>weight with the state a code from
# us_states.txt.

LC_ALL=C
export LC_ALL

dir=${1:-$(dirname "$0")}
status=0

# Dictionaries the spec names: they must exist.
for name in given_names_female given_names_male family_names streets street_suffixes \
    cities us_states departments subjects course_names qualifications email_domains \
    merchant_names merchant_categories grades countries; do
    if [ ! -f "$dir/$name.txt" ]; then
        echo "$dir/$name.txt: missing"
        status=1
    fi
done

states=
if [ -f "$dir/us_states.txt" ]; then
    states=$(cut -f1 "$dir/us_states.txt" | tr '\n' ' ')
fi

found=0
for f in "$dir"/*.txt; do
    [ -f "$f" ] || continue
    found=1
    if [ ! -s "$f" ]; then
        echo "$f: empty file"
        status=1
        continue
    fi
    if [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' \n')" != "0a" ]; then
        echo "$f: last line does not end with a newline"
        status=1
    fi
    # Whole-file byte check (also sees NUL bytes, which awk may not): only TAB, LF
    # and printable ASCII are allowed.
    bad=$(tr -d '\11\12\40-\176' <"$f" | wc -c | tr -d ' ')
    if [ "$bad" != 0 ]; then
        echo "$f: $bad byte(s) that are not printable ASCII, TAB or LF"
        status=1
    fi

    # Expected field count for the dictionaries whose shape is fixed; 0 = any, but
    # the same on every line.
    case $(basename "$f" .txt) in
    cities) want=3 ;;
    streets | departments | subjects | course_names | qualifications | merchant_names) want=1 ;;
    given_names_female | given_names_male | family_names | street_suffixes | us_states | \
        email_domains | merchant_categories | grades | countries | enrollment_status | \
        genders | guardian_relations) want=2 ;;
    *) want=0 ;;
    esac

    awk -v file="$f" -v want="$want" -v states="$states" '
    function problem(msg) {
        printf "%s:%d: %s\n", file, FNR, msg
        bad = 1
    }
    BEGIN {
        FS = "\t"
        nstates = split(states, st, " ")
        for (i = 1; i <= nstates; i++)
            isstate[st[i]] = 1
        iscities = (file ~ /(^|\/)cities\.txt$/)
    }
    {
        if ($0 == "") {
            problem("blank line")
            next
        }
        if ($0 ~ /[^\t -~]/)
            problem("character that is not printable ASCII or TAB")
        if ($0 ~ /[ \t]$/)
            problem("trailing whitespace")
        if ($0 ~ /^[ \t]/)
            problem("leading whitespace")
        if ($0 ~ / \t|\t /)
            problem("space next to a TAB")
        if ($0 ~ /  /)
            problem("two spaces in a row")
        if ($0 ~ /[,"]/)
            problem("comma or double quote")
        if (want > 0 && NF != want)
            problem("has " NF " field(s), want " want)
        else if (nf == 0) {
            nf = NF
            nfline = FNR
        } else if (NF != nf)
            problem("has " NF " field(s), line " nfline " has " nf)
        for (i = 1; i <= NF; i++)
            if ($i == "")
                problem("field " i " is empty")
        if (NF >= 2 && want != 1) {
            w = $NF
            if (w !~ /^[0-9]+(\.[0-9]+)?$/)
                problem("weight \"" w "\" is not a decimal number")
            else if (w + 0 <= 0)
                problem("weight " w " is not positive")
        }
        if (iscities && NF >= 3) {
            if ($2 !~ /^[A-Z][A-Z]$/)
                problem("state \"" $2 "\" is not a two-letter code")
            else if (nstates > 0 && !($2 in isstate))
                problem("state " $2 " is not in us_states.txt")
        }
        if ($1 in seen)
            problem("duplicate entry \"" $1 "\" (first on line " seen[$1] ")")
        else
            seen[$1] = FNR
    }
    END { exit bad }
    ' "$f" || status=1
done

if [ "$found" = 0 ]; then
    echo "$dir: no .txt files"
    status=1
fi
exit $status
