/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* The main window: Containers, Images, host Processes and Build, switched at the top; a
 * container's or an image's page slides in over them (Escape or Alt+Left goes back). It owns
 * the window-wide actions (win.run, win.container-stop('ID'), win.image-remove('NAME'), …) that
 * rows, pages and shortcuts activate, reports their errors in the engine's words, and loads a
 * .tar dropped on it. */

#define PIER_TYPE_WINDOW (pier_window_get_type ())
G_DECLARE_FINAL_TYPE (PierWindow, pier_window, PIER, WINDOW, AdwApplicationWindow)

#include "pier-connection-source.h"

/* Over @model, the embedded engine's; @source gives the other connections. */
PierWindow *pier_window_new (GtkApplication *app, PierModel *model, PierConnectionSource *source);

PierModel *pier_window_get_model (PierWindow *self);

/* The name of the connection shown ("pier": the embedded engine). */
const char *pier_window_get_connection (PierWindow *self);
/* Shows the connection @name (win.connection('NAME') does): a new model over its engine in
 * every view; pages open on the one before go and its work is cancelled. The choice is saved
 * as the default. FALSE, showing nothing new, when the connections are not read yet, none is
 * called @name, or its engine cannot be made. */
gboolean pier_window_choose_connection (PierWindow *self, const char *name, GError **error);
/* Whether the connections were read (the switcher lists them). */
gboolean pier_window_get_connections_read (PierWindow *self);
GtkWidget *pier_window_get_connection_switcher (PierWindow *self);

/* "containers", "images", "processes" or "build". */
void pier_window_show_view (PierWindow *self, const char *name);
GtkWidget *pier_window_get_view (PierWindow *self, const char *name);

/* Slides in the page of container @id (its @tab: "overview", "processes", "logs", "changes",
 * "inspect"; NULL: overview) or of image @name_or_id, and returns it. */
GtkWidget *pier_window_open_container (PierWindow *self, const char *id, const char *tab);
GtkWidget *pier_window_open_image (PierWindow *self, const char *name_or_id);
/* The page shown over the views, or NULL. */
GtkWidget *pier_window_get_page (PierWindow *self);
void pier_window_go_back (PierWindow *self);

/* The Run dialog (@image preselected, NULL: the selected or first image), presented. */
GtkWidget *pier_window_open_run_dialog (PierWindow *self, const char *image);
/* The "Copy to…" dialog of @image (a name or id), presented; NULL when the connection shown
 * cannot copy (it cannot save images, there is no other connection). */
GtkWidget *pier_window_copy_image (PierWindow *self, const char *image);
/* A terminal window with a shell in container @id, presented. */
GtkWidget *pier_window_open_terminal (PierWindow *self, const char *id);

void pier_window_toast (PierWindow *self, const char *text);

/* Work that may take a while: after half a second without an end, a toast says @text (with
 * Cancel when @cancellable is given) until pier_window_end_busy(). */
typedef struct _PierBusy PierBusy;
PierBusy *pier_window_begin_busy (PierWindow *self, const char *text, GCancellable *cancellable);
void pier_window_end_busy (PierBusy *busy);

G_END_DECLS
