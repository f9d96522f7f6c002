/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Work off the main thread, the one way ui/ does it: a GTask run in a worker thread, its
 * callback back on the main context.
 *
 * @work runs on the worker thread with @data; it returns FALSE with @error set when it failed,
 * else TRUE, and may hand a result over through @result (freed with @result_free when the
 * callback does not take it). It must not touch widgets: what it needs is in @data.
 *
 * @source (a widget or model, may be NULL) is kept alive until @callback has run, is passed
 * to it as its first argument and let go on the main thread right after it. @data lives as
 * long as the task, so the callback can still read it (pier_ui_task_get_data()); it and an
 * untaken result may be freed on the worker thread, so they hold no widget.
 *
 * When @cancellable is cancelled before the callback runs, pier_ui_task_finish() reports
 * G_IO_ERROR_CANCELLED; the work itself always runs to its end (an engine call is never left
 * half-way), and its result is freed. A widget whose work must not outlive it passes its own
 * cancellable and cancels it in dispose. */
typedef gboolean (*PierUiWorkFunc) (gpointer data, gpointer *result, GCancellable *cancellable,
                                    GError **error);

void pier_ui_run_in_thread (gpointer source, GCancellable *cancellable, PierUiWorkFunc work,
                            gpointer data, GDestroyNotify data_free, GDestroyNotify result_free,
                            GAsyncReadyCallback callback, gpointer user_data);

/* In the callback: TRUE when the work succeeded (its result, owned, into @result when not
 * NULL), else FALSE with @error set. */
gboolean pier_ui_task_finish (GAsyncResult *task, gpointer *result, GError **error);

/* In the callback: the @data the work was given, owned by the task. */
gpointer pier_ui_task_get_data (GAsyncResult *task);

G_END_DECLS
