#pragma once

#include <adwaita.h>

#include "pier-store.h"

G_BEGIN_DECLS

#define PIER_TYPE_WINDOW (pier_window_get_type ())
G_DECLARE_FINAL_TYPE (PierWindow, pier_window, PIER, WINDOW, AdwApplicationWindow)

/* The main window over the store at @root and @runroot (NULL: the defaults). */
PierWindow *pier_window_new (GtkApplication *app, const char *root, const char *runroot);

G_END_DECLS
