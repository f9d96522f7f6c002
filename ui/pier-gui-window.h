/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-engine.h"
#include "pier-rdp-view.h"

G_BEGIN_DECLS

/* A window with a container's graphical session: it opens the session through the engine
 * (pier_engine_open_graphical_session: Weston and the app in the container if none runs yet,
 * the relay; an engine without PIER_ENGINE_CAP_GRAPHICAL_SESSIONS is said so), then shows it in a PierRdpView pinned to the certificate the engine reports. The
 * header bar says what is happening in words (starting, connecting, connected at W×H,
 * disconnected, the error), and has scale-to-fit, fullscreen and reconnect. Closing the window
 * disconnects and leaves the session running in the container, as an RDP session outlives its
 * client; opening it again joins it.
 *
 * Property "view" (PierRdpView, read-only): the view once the session is open, else NULL. */

#define PIER_TYPE_GUI_WINDOW (pier_gui_window_get_type ())
G_DECLARE_FINAL_TYPE (PierGuiWindow, pier_gui_window, PIER, GUI_WINDOW, AdwWindow)

/* A window that opens the session of the container @container_id (@name in its title) with
 * @options (NULL: start one with the image's command) once created. */
GtkWidget *pier_gui_window_new (PierEngine *engine, const char *container_id, const char *name,
                                const PierGraphicalOptions *options);

/* "Open graphical session": a window of its own for @container's session, kept by @parent's
 * application (if any) and shown at once. */
GtkWindow *pier_gui_window_open_for_container (GtkWindow *parent, PierEngine *engine,
                                               const char *container_id, const char *name);

PierRdpView *pier_gui_window_get_view (PierGuiWindow *self);

G_END_DECLS
