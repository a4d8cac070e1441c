// The system zlib (gzip for the TiKV simulator's /metrics pages), linked as -lz.
#include <zlib.h>
