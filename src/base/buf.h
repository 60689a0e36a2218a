/* The bounded buffer is part of the public API (the JSON writer and the Parquet
 * statistics formatter append to one); internal code includes it from here. */
#include "sluice/buf.h"
