/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-window.h"

#include "pier-build-view.h"
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
 *   pier-window-actions.c  the window-wide actions rows, pages and shortcuts activate */

struct _PierWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *main_box;
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

  PierModel *model;
  GCancellable *cancellable;
};

/* Once "back" has slid a page out, drops the pages it left (notify::child-transition-running). */
void pier_window_forget_left_pages (PierWindow *self);

/* Adds the job-backed actions (win.container-commit, win.image-tag, win.image-remove,
 * win.image-save, win.load, win.import) to @self. */
void pier_window_add_job_actions (PierWindow *self);
/* Loads the images of the archive @file, as win.load does once a file is chosen. */
void pier_window_load_file (PierWindow *self, GFile *file);

/* Adds the other window-wide actions (win.run, win.back, win.toast, win.container-*, ...). */
void pier_window_add_actions (PierWindow *self);

G_END_DECLS
