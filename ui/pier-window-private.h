/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-window.h"

#include "pier-build-view.h"
#include "pier-connection-switcher.h"
#include "pier-containers-view.h"
#include "pier-images-view.h"
#include "pier-processes-view.h"

G_BEGIN_DECLS

/* The window's parts, each its own file, beneath pier-window.c (which makes the window and
 * calls them; none of them calls it back):
 *   pier-window-pages.c    messages, the pages that slide in, the views, the Run dialog and
 *                          terminals (most of pier-window.h)
 *   pier-window-jobs.c     image and container work on a thread behind a busy toast: commit,
 *                          tag, remove, load, import, save
 *   pier-window-actions.c  the window-wide actions rows, pages and shortcuts activate
 *   pier-window-connections.c  the connections: the model shown, switching to another
 *   pier-window-copy.c     "Copy to…": an image to another connection */

struct _PierWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *main_box;
  GtkRevealer *banner;
  GtkLabel *banner_label;
  GtkStack *main_stack;
  AdwStatusPage *error_page;
  AdwViewStack *view_stack;
  GtkWidget *run_button;
  GtkWidget *add_image_button;
  GtkWidget *search_button;
  PierContainersView *containers_view;
  PierImagesView *images_view;
  PierProcessesView *host_processes_view;
  PierBuildView *build_view;
  PierConnectionSwitcher *connection_switcher;

  PierModel *model;
  GCancellable *cancellable;
  PierConnectionSource *source;
  PierConnections *connections; /* NULL until read */
  char *connection;             /* the name of the one shown */
  gboolean connection_chosen;   /* by the person, before the list was read */
  char *copy_why;               /* why "Copy to…" is not offered, NULL when it is */
  guint forget_id;              /* the pages left go in this idle */
};

/* Back to the views at once, dropping every page. */
void pier_window_close_pages (PierWindow *self);
/* Once "back" has slid a page out, drops the pages it left (notify::child-transition-running). */
void pier_window_forget_left_pages (PierWindow *self);

/* Adds the job-backed actions (win.container-commit, win.image-tag, win.image-remove,
 * win.image-save, win.load, win.import) to @self. */
void pier_window_add_job_actions (PierWindow *self);
/* Loads the images of the archive @file, as win.load does once a file is chosen. */
void pier_window_load_file (PierWindow *self, GFile *file);

/* Shows @model (the connection @name's) in the views, in place of the one shown, whose work
 * stops; pages open on it go. */
void pier_window_show_model (PierWindow *self, const char *name, PierModel *model);
/* Adds win.connection('NAME') and reads the connections off the main thread; once read, the
 * switcher lists them and the saved default (or $PIER_CONNECTION) is shown. */
void pier_window_start_connections (PierWindow *self);

/* Adds win.image-copy('IMAGE'), "Copy to…". */
void pier_window_add_copy_action (PierWindow *self);
/* Offers "Copy to…" or says why not, after the connection shown or the list changed. */
void pier_window_update_copy (PierWindow *self);

/* Adds the other window-wide actions (win.run, win.back, win.toast, win.container-*, ...). */
void pier_window_add_actions (PierWindow *self);

G_END_DECLS
