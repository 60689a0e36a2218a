/* w1gen: writes benchmark workload W1, card transactions as NDJSON, to stdout.
 *
 * Every value is a pure function of (seed, row, field) through SplitMix64, so the
 * output is byte-identical on every run and machine. To keep it so, the program uses
 * no libm: numbers are built from integers and from IEEE additions and
 * multiplications only (exp() is computed here, and the normal variate is an
 * Irwin-Hall sum), and values are printed from integers, never with %f. Build with
 * -ffp-contract=off (the default under -std=c11) so no compiler fuses a*b+c.
 *
 * A row: transaction, card and merchant ids, a lognormal amount (by category),
 * weighted category and its MCC, a timestamp in November 2026 (rows in time order,
 * density following a daily cycle), ~0.5% fraud, a nested location (weighted city,
 * country, lat/lon near the city), and a nullable note (~10% set, some with non-ASCII
 * text and escaped quotes). The default width (~270 bytes a line, 2 M rows = ~540 MB)
 * matches W1 in DESIGN.md section 8; --wide adds currency, channel and auth_code
 * (~326 bytes a line, ~650 MB).
 *
 * usage: w1gen [--rows N] [--seed S] [--wide] [--stats FILE] > w1.ndjson
 *   --stats FILE   also write the expected checksums of the data (row count, sum of
 *                  amount in cents, non-null notes, frauds, ...) as JSON, so that a
 *                  benchmark can check every tool's output against the source.
 * Standalone C11, no dependencies: cc -O2 -std=c11 -o w1gen w1gen.c
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field numbers: the third coordinate of the counter-based generator. Changing one
 * changes the data; append new ones at the end. */
enum {
    F_CARD = 1, F_MERCHANT, F_AMOUNT, F_CATEGORY, F_TIME, F_FRAUD, F_CITY, F_LAT,
    F_LON, F_CHANNEL, F_AUTH, F_NOTE, F_NOTE_TEXT
};

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The k-th random word of (seed, row, field). */
static uint64_t rnd(uint64_t seed, uint64_t row, unsigned field, unsigned k)
{
    uint64_t h = splitmix64(seed ^ ((uint64_t)field << 56) ^ ((uint64_t)k << 48));
    return splitmix64(h ^ row);
}

/* Uniform in [0, 1) with 53 bits: exact, no rounding. */
static double unit(uint64_t r)
{
    return (double)(r >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n), by multiply-shift (bias below 2^-32 for our n). */
static uint32_t below(uint64_t r, uint32_t n)
{
    return (uint32_t)(((r >> 32) * (uint64_t)n) >> 32);
}

/* exp(x) for |x| < 700 from + and * only: x = k ln2 + r, |r| <= ln2/2, then a
 * degree-13 Taylor polynomial for e^r (error far below the cent we round to). */
static double exp_portable(double x)
{
    const double ln2 = 0.6931471805599453;
    double kf = x / ln2;
    int k = (int)(kf < 0 ? kf - 0.5 : kf + 0.5);
    double r = x - k * ln2;
    double term = 1.0, sum = 1.0;
    for (int i = 1; i <= 13; i++) {
        term = term * r / i;
        sum = sum + term;
    }
    for (; k > 0; k--)
        sum = sum * 2.0;
    for (; k < 0; k++)
        sum = sum * 0.5;
    return sum;
}

/* Standard normal, approximately: Irwin-Hall sum of 12 uniforms minus 6. */
static double normal(uint64_t seed, uint64_t row, unsigned field)
{
    double s = 0.0;
    for (unsigned k = 0; k < 12; k++)
        s = s + unit(rnd(seed, row, field, k));
    return s - 6.0;
}

/* Weighted pick: weights are small integers, tables are short. */
static unsigned pick(uint64_t r, const unsigned *w, unsigned n)
{
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        total += w[i];
    unsigned x = below(r, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* Categories: weight, merchant category code, median amount in cents. */
static const struct {
    const char *name;
    unsigned weight, mcc, median_cents;
} categories[] = {
    {"grocery", 22, 5411, 4500},    {"restaurant", 14, 5812, 3800},
    {"fast_food", 12, 5814, 1200},  {"fuel", 10, 5541, 4200},
    {"retail", 10, 5311, 5500},     {"pharmacy", 6, 5912, 2600},
    {"clothing", 6, 5651, 7000},    {"electronics", 4, 5732, 16000},
    {"entertainment", 5, 7832, 2500}, {"travel", 3, 4511, 32000},
    {"hotel", 2, 7011, 21000},      {"utilities", 6, 4900, 9000},
};
#define N_CATEGORIES (sizeof categories / sizeof categories[0])

/* Cities with their coordinates (degrees x 10^4), country and currency. */
static const struct {
    const char *city, *country, *currency;
    int lat, lon;
    unsigned weight;
} cities[] = {
    {"New York", "US", "USD", 407128, -740060, 14},  {"Los Angeles", "US", "USD", 340522, -1182437, 10},
    {"Chicago", "US", "USD", 418781, -876298, 8},    {"Houston", "US", "USD", 297604, -953698, 6},
    {"Phoenix", "US", "USD", 334484, -1120740, 4},   {"Denver", "US", "USD", 397392, -1049903, 4},
    {"Seattle", "US", "USD", 476062, -1223321, 4},   {"Boston", "US", "USD", 423601, -710589, 4},
    {"Miami", "US", "USD", 257617, -801918, 4},      {"Atlanta", "US", "USD", 337490, -843880, 4},
    {"Austin", "US", "USD", 302672, -977431, 3},     {"Portland", "US", "USD", 455152, -1226784, 2},
    {"Toronto", "CA", "CAD", 436532, -793832, 4},    {"Montréal", "CA", "CAD", 455017, -735673, 2},
    {"London", "GB", "GBP", 515074, -1278, 5},       {"Paris", "FR", "EUR", 488566, 23522, 3},
    {"Berlin", "DE", "EUR", 525200, 134050, 3},      {"München", "DE", "EUR", 481351, 115820, 2},
    {"Madrid", "ES", "EUR", 404168, -37038, 2},      {"Tokyo", "JP", "JPY", 356762, 1396503, 3},
    {"Sydney", "AU", "AUD", -338688, 1512093, 2},    {"Mexico City", "MX", "MXN", 194326, -991332, 2},
    {"São Paulo", "BR", "BRL", -235505, -466333, 2}, {"Zürich", "CH", "CHF", 473769, 85417, 1},
};
#define N_CITIES (sizeof cities / sizeof cities[0])

static const unsigned channel_weights[] = {55, 30, 12, 3};
static const char *const channels[] = {"pos", "online", "contactless", "atm"};

/* Relative transaction intensity by hour of day (UTC): quiet at night, peaks at
 * lunch and in the early evening. */
static const unsigned hour_weights[24] = {
    3, 2, 1, 1, 1, 2, 4, 7, 10, 11, 12, 14, 16, 14, 12, 11, 12, 14, 16, 15, 12, 9, 6, 4,
};
#define DAYS 30 /* November 2026 */
/* Bound on --rows so that row * (weight-seconds in the month) fits in 64 bits. */
#define MAX_ROWS 100000000000ULL

/* Free-text notes for the ~10% of rows that have one. Some carry non-ASCII text and
 * escaped quotes, one a \u escape, as real user-entered text does. Already JSON-escaped. */
static const char *const notes[] = {
    "recurring payment",
    "split with roommate",
    "refund requested",
    "customer called re: charge",
    "tip included",
    "gift for Ana",
    "card present, chip read",
    "merchant said \\\"approved\\\"",
    "\\\"urgent\\\" flag from app",
    "café au lait ☕",
    "Überweisung prüfen",
    "東京 出張",
    "déjà vu charge?",
    "disputed: \\\"never received\\\"",
    "na\\u00efve retry",
    "🎉 birthday dinner",
};
#define N_NOTES (sizeof notes / sizeof notes[0])

/* Expected checksums, accumulated while writing. */
typedef struct {
    uint64_t rows, notes, note_bytes, frauds, mcc_sum;
    int64_t amount_cents, lat_e4, epoch_sum;
} w1_stats;

/* Length in bytes of a JSON-escaped string once decoded (only the escapes the notes
 * use: \" and \uXXXX below U+D800). */
static uint64_t decoded_len(const char *s)
{
    uint64_t n = 0;
    while (*s) {
        if (s[0] == '\\' && s[1] == 'u') {
            unsigned cp = (unsigned)strtoul((char[5]){s[2], s[3], s[4], s[5], 0}, NULL, 16);
            n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
            s += 6;
        } else {
            n++;
            s += s[0] == '\\' ? 2 : 1;
        }
    }
    return n;
}

/* Unix seconds of 2026-11-01T00:00:00Z. */
#define EPOCH_START 1793491200LL

/* Time of row i of n: rows are in time order; the i-th row falls at the position
 * (i + jitter)/n of the cumulative hourly intensity over the month, so the density
 * of transactions follows the daily cycle. Integer arithmetic only. */
static int64_t row_time(uint64_t seed, uint64_t i, uint64_t n)
{
    uint64_t day_weight = 0;
    for (int h = 0; h < 24; h++)
        day_weight += hour_weights[h] * 3600ULL;
    uint64_t total = day_weight * DAYS; /* weight-seconds in the month */
    uint64_t jitter = rnd(seed, i, F_TIME, 0) % total;
    uint64_t pos = (i * total + jitter) / n; /* no overflow: n <= MAX_ROWS */
    uint64_t day = pos / day_weight, rem = pos % day_weight;
    int h = 0;
    while (rem >= hour_weights[h] * 3600ULL) {
        rem -= hour_weights[h] * 3600ULL;
        h++;
    }
    return EPOCH_START + (int64_t)day * 86400 + h * 3600 + (int64_t)(rem / hour_weights[h]);
}

/* Appends v in decimal, zero-padded to at least width digits. */
static char *put_uint(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Appends the fixed-point number v / 10^places ("-104.9903"). */
static char *put_fixed(char *p, int64_t v, int places)
{
    uint64_t scale = 1, u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    for (int k = 0; k < places; k++)
        scale *= 10;
    if (v < 0)
        *p++ = '-';
    p = put_uint(p, u / scale, 1);
    *p++ = '.';
    return put_uint(p, u % scale, places);
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* Writes row i (of n) into p, returns the end. A row is under 512 bytes. */
static char *write_row(char *p, uint64_t seed, uint64_t i, uint64_t n, int wide, w1_stats *st)
{
    unsigned cat_w[N_CATEGORIES], city_w[N_CITIES];
    for (unsigned k = 0; k < N_CATEGORIES; k++)
        cat_w[k] = categories[k].weight;
    for (unsigned k = 0; k < N_CITIES; k++)
        city_w[k] = cities[k].weight;

    unsigned cat = pick(rnd(seed, i, F_CATEGORY, 0), cat_w, N_CATEGORIES);
    unsigned city = pick(rnd(seed, i, F_CITY, 0), city_w, N_CITIES);
    int fraud = rnd(seed, i, F_FRAUD, 0) % 1000 < 5;
    /* Lognormal amount around the category's median, sigma 0.9; fraud runs larger. */
    double mu = fraud ? 1.2 : 0.0;
    double cents_f = categories[cat].median_cents * exp_portable(mu + 0.9 * normal(seed, i, F_AMOUNT));
    int64_t cents = (int64_t)(cents_f + 0.5);
    if (cents < 1)
        cents = 1;
    /* Coordinates: the city's centre plus up to ~0.1 degree either way. */
    int lat = cities[city].lat + (int)below(rnd(seed, i, F_LAT, 0), 2001) - 1000;
    int lon = cities[city].lon + (int)below(rnd(seed, i, F_LON, 0), 2001) - 1000;
    int64_t t = row_time(seed, i, n);
    int64_t secs = t - EPOCH_START;
    uint64_t auth = rnd(seed, i, F_AUTH, 0);
    static const char alnum[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    int has_note = rnd(seed, i, F_NOTE, 0) % 100 < 10;

    p = put_str(p, "{\"transaction_id\":\"TX");
    p = put_uint(p, i, 12);
    p = put_str(p, "\",\"card_id\":\"C");
    p = put_uint(p, below(rnd(seed, i, F_CARD, 0), 400000), 8);
    p = put_str(p, "\",\"merchant_id\":\"M");
    p = put_uint(p, below(rnd(seed, i, F_MERCHANT, 0), 60000), 6);
    p = put_str(p, "\",\"amount\":");
    p = put_fixed(p, cents, 2);
    if (wide) {
        p = put_str(p, ",\"currency\":\"");
        p = put_str(p, cities[city].currency);
        *p++ = '"';
    }
    p = put_str(p, ",\"category\":\"");
    p = put_str(p, categories[cat].name);
    p = put_str(p, "\",\"timestamp\":\"2026-11-");
    p = put_uint(p, (uint64_t)(secs / 86400 + 1), 2);
    *p++ = 'T';
    p = put_uint(p, (uint64_t)(secs / 3600 % 24), 2);
    *p++ = ':';
    p = put_uint(p, (uint64_t)(secs / 60 % 60), 2);
    *p++ = ':';
    p = put_uint(p, (uint64_t)(secs % 60), 2);
    p = put_str(p, fraud ? "Z\",\"is_fraud\":true" : "Z\",\"is_fraud\":false");
    p = put_str(p, ",\"location\":{\"city\":\"");
    p = put_str(p, cities[city].city);
    p = put_str(p, "\",\"country\":\"");
    p = put_str(p, cities[city].country);
    p = put_str(p, "\",\"lat\":");
    p = put_fixed(p, lat, 4);
    p = put_str(p, ",\"lon\":");
    p = put_fixed(p, lon, 4);
    *p++ = '}';
    if (wide) {
        p = put_str(p, ",\"channel\":\"");
        p = put_str(p, channels[pick(rnd(seed, i, F_CHANNEL, 0), channel_weights, 4)]);
        *p++ = '"';
    }
    p = put_str(p, ",\"mcc\":");
    p = put_uint(p, categories[cat].mcc, 1);
    if (wide) {
        p = put_str(p, ",\"auth_code\":\"");
        for (int k = 0; k < 6; k++)
            *p++ = alnum[(auth >> (k * 8)) % (sizeof alnum - 1)];
        *p++ = '"';
    }
    p = put_str(p, ",\"note\":");
    if (has_note) {
        const char *note = notes[below(rnd(seed, i, F_NOTE_TEXT, 0), N_NOTES)];
        st->note_bytes += decoded_len(note);
        *p++ = '"';
        p = put_str(p, note);
        *p++ = '"';
    } else {
        p = put_str(p, "null");
    }
    p = put_str(p, "}\n");

    st->rows++;
    st->notes += has_note;
    st->frauds += fraud;
    st->mcc_sum += categories[cat].mcc;
    st->amount_cents += cents;
    st->lat_e4 += lat;
    st->epoch_sum += t;
    return p;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: w1gen [--rows N] [--seed S] [--wide] [--stats FILE] > w1.ndjson\n");
    return 2;
}

int main(int argc, char **argv)
{
    uint64_t rows = 2000000, seed = 20261121;
    const char *stats_path = NULL;
    int wide = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--rows") == 0 && a + 1 < argc) {
            if (parse_u64(argv[++a], &rows) || rows == 0 || rows > MAX_ROWS)
                return usage();
        } else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
            if (parse_u64(argv[++a], &seed))
                return usage();
        } else if (strcmp(argv[a], "--wide") == 0) {
            wide = 1;
        } else if (strcmp(argv[a], "--stats") == 0 && a + 1 < argc) {
            stats_path = argv[++a];
        } else {
            return usage();
        }
    }

    static char buf[1 << 20];
    size_t used = 0;
    w1_stats st = {0};
    for (uint64_t i = 0; i < rows; i++) {
        used = (size_t)(write_row(buf + used, seed, i, rows, wide, &st) - buf);
        if (used > sizeof buf - 1024) {
            if (fwrite(buf, 1, used, stdout) != used)
                goto write_error;
            used = 0;
        }
    }
    if (fwrite(buf, 1, used, stdout) != used || fflush(stdout) != 0)
        goto write_error;

    if (stats_path) {
        FILE *f = fopen(stats_path, "w");
        if (!f) {
            perror(stats_path);
            return 2;
        }
        fprintf(f, "{\"rows\":%" PRIu64 ",\"seed\":%" PRIu64 ",\"amount_cents\":%" PRId64
                   ",\"notes\":%" PRIu64 ",\"note_bytes\":%" PRIu64 ",\"frauds\":%" PRIu64
                   ",\"mcc_sum\":%" PRIu64 ",\"lat_e4\":%" PRId64 ",\"epoch_sum\":%" PRId64 "}\n",
                st.rows, seed, st.amount_cents, st.notes, st.note_bytes, st.frauds, st.mcc_sum,
                st.lat_e4, st.epoch_sum);
        if (fclose(f) != 0) {
            perror(stats_path);
            return 2;
        }
    }
    return 0;

write_error:
    perror("w1gen: write");
    return 2;
}
