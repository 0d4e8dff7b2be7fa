/* Image and compression codecs from Debian: libpng's simplified API, libjpeg-turbo's TurboJPEG API and zlib.
   All three report errors as return values, which Swift can handle (libjpeg's classic API would need longjmp). */
#include <png.h>
#include <turbojpeg.h>
#include <zlib.h>
