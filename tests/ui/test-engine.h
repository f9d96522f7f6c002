/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine.h"

G_BEGIN_DECLS

/* A PierEngine for the window's tests: it passes the calls the window makes to @inner (a
 * PierLocalEngine over a scratch store), counting each one by its vfunc's name ("list_processes")
 * and the GCancellable it came with, and keeps of @inner's capabilities only @capabilities.
 * Without PIER_ENGINE_CAP_HOST_PROCESSES it is what an engine elsewhere would be: the host-only
 * calls (list_sessions, list_host_processes, watch_processes, process_provenance) are counted
 * and refused with G_IO_ERROR_NOT_SUPPORTED, and the processes it lists carry no host side;
 * without PIER_ENGINE_CAP_GRAPHICAL_SESSIONS, so is open_graphical_session. Calls may come from
 * any thread. */

#define TEST_TYPE_ENGINE (test_engine_get_type ())
G_DECLARE_FINAL_TYPE (TestEngine, test_engine, TEST, ENGINE, GObject)

TestEngine *test_engine_new (PierEngine *inner, guint capabilities);

/* Passes save_images and load_images on to @inner too (pier_engine_can() says so): without it,
 * an engine without archives. */
void test_engine_pass_archives (TestEngine *self);
/* From now on @call (a vfunc's name; NULL: none) waits until it is no longer held or its
 * cancellable is cancelled (then it fails with G_IO_ERROR_CANCELLED): a slow peer. */
void test_engine_hold (TestEngine *self, const char *call);
/* How many held calls wait now. */
guint test_engine_count_waiting (TestEngine *self);
/* From now on every call fails with @error (NULL: the calls answer again): a peer that went. */
void test_engine_fail (TestEngine *self, const GError *error);

/* How many times @call was made with @cancellable (NULL: with any). */
guint test_engine_count (TestEngine *self, const char *call, GCancellable *cancellable);
/* The cancellable the last @call came with, or NULL when it was never made. */
GCancellable *test_engine_last_cancellable (TestEngine *self, const char *call);
/* The calls made so far, one "name" a line in order: what a failure shows. */
char *test_engine_describe (TestEngine *self);

G_END_DECLS
