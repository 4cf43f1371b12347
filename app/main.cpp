#include <cstdlib>  // defines __GLIBC__ (through <features.h>) on glibc systems

#include <exadoc/app/cli.h>

#ifdef __GLIBC__

#include <malloc.h>
#endif

int main(int argc, char** argv) {
#ifdef __GLIBC__
  // Page analysis allocates and frees masks of a few MiB per page. With glibc's defaults each of them is
  // mapped and unmapped (or the heap trimmed) again and again, and the page faults cost a fifth of the time
  // of a born-digital parse. Freed memory is kept for reuse instead, up to sizes no single page mask reaches.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit systems
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
  return exadoc::app::run_cli(argc, argv);
}
