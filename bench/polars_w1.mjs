// Polars side of benchmark W1: converts an NDJSON file to zstd Parquet the way a
// nodejs-polars user would. The default is the lazy, streaming path that
// nodejs-polars 0.26 offers (scanJson + sinkParquet); --eager reads the whole file
// into a DataFrame and then writes it (writeParquet), for comparison. The eager read
// goes through scanJson().collectSync() because readJSON(path, {format: 'lines'}) is
// broken in nodejs-polars 0.26.1: it calls a native readJsonLines that the binary
// does not export ("method is not a function"). bench/run.sh runs it under bench/peak, one process per run.
//
// usage: node bench/polars_w1.mjs [--eager] INPUT.ndjson OUTPUT.parquet
import pl from 'nodejs-polars';

const args = process.argv.slice(2);
const eager = args[0] === '--eager';
if (eager) args.shift();
const [input, output] = args;
if (!input || !output) {
  console.error('usage: node bench/polars_w1.mjs [--eager] INPUT.ndjson OUTPUT.parquet');
  process.exit(2);
}

if (eager) {
  pl.scanJson(input).collectSync().writeParquet(output, { compression: 'zstd' });
} else {
  pl.scanJson(input).sinkParquet(output, { compression: 'zstd' }).collectSync();
}
