/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-libssl.h"

#include "pier-dlopen-private.h"

PIER_DLOPEN_DEFINE_GETTER (PierLibssl, pier_libssl, PIER_LIBSSL_FUNCTIONS, "libssl.so.3",
                           "libssl3")
