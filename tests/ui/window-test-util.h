/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "test-support.h"

#include "pier-application.h"
#include "pier-window.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What the window's tests under Xvfb share: waiting on the main loop, screenshots. */

/* Runs the main loop until @cond holds, failing the test after @ms milliseconds. */
#define WAIT_FOR(cond, ms, what)                                                                   \
  do                                                                                               \
    {                                                                                              \
      gint64 deadline_ = g_get_monotonic_time () + (gint64) (ms) * 1000;                           \
      while (!(cond))                                                                              \
        {                                                                                          \
          if (g_get_monotonic_time () > deadline_)                                                 \
            fail_msg ("timed out after %d ms waiting for %s", (int) (ms), what);                   \
          if (!g_main_context_iteration (NULL, FALSE))                                             \
            g_usleep (2000);                                                                       \
        }                                                                                          \
    }                                                                                              \
  while (0)

/* Whether the window's tests can run here: as root (real containers) with a display. If so,
 * GTK and libadwaita are initialized and containers get the build's monitor. */
gboolean window_test_init (void);
/* Registers and activates @app and returns its window. */
PierWindow *window_test_activate (PierApplication *app);

/* Fails the case when its fixture could not be set up (@ready false). */
#define REQUIRE_FIXTURE(ready)                                                                     \
  if (!(ready))                                                                                    \
    {                                                                                              \
      fail_msg ("%s: the fixture did not set up: it needs root (real containers) and a display " \
                "(run-under-xvfb.sh)",                                                             \
                __func__);                                                                         \
    }

/* Lets the window lay out and draw what just changed. */
void settle (int ms);

/* The window @widget is in, as drawn, to $PIER_BUILD_DIR/ui-shots/ui-NAME.png (./ui-shots
 * without it) for a person to look at. */
void screenshot (GtkWidget *widget, const char *name);

/* The first label under @widget whose text starts with @prefix, or NULL. */
GtkLabel *label_starting_with (GtkWidget *widget, const char *prefix);

/* The button under @widget whose action is @action, or NULL. */
GtkWidget *button_for_action (GtkWidget *widget, const char *action);

G_END_DECLS
