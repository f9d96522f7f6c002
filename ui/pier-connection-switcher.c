/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-connection-switcher.h"

#include "pier-i18n.h"
#include "pier-ui-util.h"

struct _PierConnectionSwitcher {
  GtkWidget parent_instance;

  GtkMenuButton *button;
  GtkListBox *list;

  GPtrArray *rows; /* Row */
  char *current;
};

typedef struct {
  char *name;
  char *subtitle;
} Row;

G_DEFINE_FINAL_TYPE (PierConnectionSwitcher, pier_connection_switcher, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CURRENT, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
row_free (Row *row)
{
  g_free (row->name);
  g_free (row->subtitle);
  g_free (row);
}

/* "Docker · unix:///run/docker.sock": what kind of engine, and where. */
static char *
describe (const PierConnection *connection)
{
  switch (connection->kind)
    {
    case PIER_CONNECTION_KIND_PIER:
      return g_strdup (_("Pier · embedded, this machine’s store"));
    case PIER_CONNECTION_KIND_DOCKER:
      return g_strdup_printf (_("Docker · %s"), connection->uri);
    case PIER_CONNECTION_KIND_PODMAN:
      return g_strdup_printf (_("Podman · %s"), connection->uri);
    }
  g_return_val_if_reached (NULL);
}

static void
rebuild (PierConnectionSwitcher *self)
{
  GtkWidget *old;

  while ((old = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, old);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *r = self->rows->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), r->name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), r->subtitle);
      gtk_widget_set_visible (check, g_strcmp0 (r->name, self->current) == 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.connection");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_string (r->name));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_list_box_append (self->list, row);
    }
}

static void
row_activated (PierConnectionSwitcher *self)
{
  gtk_menu_button_popdown (self->button);
}

void
pier_connection_switcher_set_connections (PierConnectionSwitcher *self, GPtrArray *connections)
{
  g_ptr_array_set_size (self->rows, 0);
  for (guint i = 0; i < connections->len; i++)
    {
      const PierConnection *connection = connections->pdata[i];
      Row *row = g_new0 (Row, 1);

      row->name = g_strdup (connection->name);
      row->subtitle = describe (connection);
      g_ptr_array_add (self->rows, row);
    }
  rebuild (self);
}

void
pier_connection_switcher_set_current (PierConnectionSwitcher *self, const char *name)
{
  if (g_strcmp0 (self->current, name) == 0)
    return;
  g_free (self->current);
  self->current = g_strdup (name);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CURRENT]);
}

const char *
pier_connection_switcher_get_current (PierConnectionSwitcher *self)
{
  return self->current;
}

GtkListBox *
pier_connection_switcher_get_list (PierConnectionSwitcher *self)
{
  return self->list;
}

void
pier_connection_switcher_popup (PierConnectionSwitcher *self)
{
  gtk_menu_button_popup (self->button);
}

static void
pier_connection_switcher_get_property (GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
  PierConnectionSwitcher *self = PIER_CONNECTION_SWITCHER (object);

  if (prop_id == PROP_CURRENT)
    g_value_set_string (value, self->current);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_connection_switcher_set_property (GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
  PierConnectionSwitcher *self = PIER_CONNECTION_SWITCHER (object);

  if (prop_id == PROP_CURRENT)
    pier_connection_switcher_set_current (self, g_value_get_string (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_connection_switcher_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PIER_TYPE_CONNECTION_SWITCHER);
  pier_ui_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (pier_connection_switcher_parent_class)->dispose (object);
}

static void
pier_connection_switcher_finalize (GObject *object)
{
  PierConnectionSwitcher *self = PIER_CONNECTION_SWITCHER (object);

  g_ptr_array_unref (self->rows);
  g_free (self->current);
  G_OBJECT_CLASS (pier_connection_switcher_parent_class)->finalize (object);
}

static void
pier_connection_switcher_class_init (PierConnectionSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pier_connection_switcher_get_property;
  object_class->set_property = pier_connection_switcher_set_property;
  object_class->dispose = pier_connection_switcher_dispose;
  object_class->finalize = pier_connection_switcher_finalize;
  props[PROP_CURRENT] = g_param_spec_string ("current", NULL, NULL, NULL,
                                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/pier/Pier/ui/pier-connection-switcher.ui");
  gtk_widget_class_bind_template_child (widget_class, PierConnectionSwitcher, button);
  gtk_widget_class_bind_template_child (widget_class, PierConnectionSwitcher, list);
  gtk_widget_class_bind_template_callback (widget_class, row_activated);
}

static void
pier_connection_switcher_init (PierConnectionSwitcher *self)
{
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}
