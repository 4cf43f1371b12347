#include <exadoc/base/error.h>

// Anchors the vtables of the error hierarchy in one translation unit.
