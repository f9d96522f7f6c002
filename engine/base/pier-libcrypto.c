/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-libcrypto.h"

#include "pier-dlopen-private.h"

PIER_DLOPEN_DEFINE_GETTER (PierLibcrypto, pier_libcrypto, PIER_LIBCRYPTO_FUNCTIONS,
                           "libcrypto.so.3", "libssl3")
