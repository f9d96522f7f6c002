/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-connections.h"

G_BEGIN_DECLS

/* The header bar's connection switcher: a button naming the current connection whose popover
 * lists them all, the embedded engine first, each with its kind and where it is. Choosing one
 * activates win.connection('NAME'); the window answers by showing it.
 *
 * Property: "current" (the name of the connection shown). */

#define PIER_TYPE_CONNECTION_SWITCHER (pier_connection_switcher_get_type ())
G_DECLARE_FINAL_TYPE (PierConnectionSwitcher, pier_connection_switcher, PIER,
                      CONNECTION_SWITCHER, GtkWidget)

/* @connections: PierConnection *, as pier_connections_get_all() gives them; copied. */
void pier_connection_switcher_set_connections (PierConnectionSwitcher *self,
                                               GPtrArray *connections);
void pier_connection_switcher_set_current (PierConnectionSwitcher *self, const char *name);
const char *pier_connection_switcher_get_current (PierConnectionSwitcher *self);
/* The list's rows (AdwActionRow), one per connection in order. */
GtkListBox *pier_connection_switcher_get_list (PierConnectionSwitcher *self);
/* Opens the list, as a click on the button does. */
void pier_connection_switcher_popup (PierConnectionSwitcher *self);

G_END_DECLS
