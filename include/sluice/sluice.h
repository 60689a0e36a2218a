/* libsluice: JSON result streams to relational, validated Parquet.
 * This umbrella header includes every public module header. */
#ifndef SLUICE_H
#define SLUICE_H

#define SL_VERSION "0.1.0"

#include "sluice/status.h"
#include "sluice/json.h"
#include "sluice/parquet.h"
#include "sluice/normalize.h"
#include "sluice/csv.h"
#include "sluice/gen.h"

#endif
