/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-libarchive.h"

#include "pier-dlopen-private.h"

PIER_DLOPEN_DEFINE_GETTER (PierLibarchive, pier_libarchive, PIER_LIBARCHIVE_FUNCTIONS,
                           "libarchive.so.13", "libarchive13")
