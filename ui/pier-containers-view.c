/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-containers-view.h"
#include "pier-ui-util.h"

#include "pier-columns.h"
#include "pier-i18n.h"

struct _PierContainersView {
  GtkWidget parent_instance;

  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack *stack;
  GtkColumnView *column_view;
  GtkColumnViewColumn *actions_column;

  PierModel *model;
  GtkStringFilter *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
};

G_DEFINE_FINAL_TYPE (PierContainersView, pier_containers_view, GTK_TYPE_WIDGET)

static void
update_page (PierContainersView *self)
{
  pier_ui_list_stack_update (self->stack, pier_model_get_containers (self->model),
                             G_LIST_MODEL (self->filtered));
}

static void
search_changed (PierContainersView *self)
{
  pier_ui_string_filter_follow_entry (self->filter, GTK_EDITABLE (self->search_entry));
}

static void
row_activated (PierContainersView *self, guint position)
{
  g_autoptr (PierContainerRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (row != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.container-open", "s",
                                pier_container_row_get_id (row));
}

static gboolean
delete_selected (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PierContainersView *self = PIER_CONTAINERS_VIEW (user_data);
  PierContainerRow *row = pier_containers_view_get_selected (self);

  if (row == NULL)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.container-remove", "s",
                              pier_container_row_get_id (row));
  return TRUE;
}

/* ---- the actions cell ---- */

/* The row's container id is on the cell's box; the action is looked up when clicked rather
 * than tracked (GtkActionable) by each of the hundreds of buttons a long list binds. */
static void
icon_button_clicked (GtkWidget *button, const char *action)
{
  const char *id = g_object_get_data (G_OBJECT (gtk_widget_get_parent (button)), "pier-id");

  if (id != NULL)
    gtk_widget_activate_action (button, action, "s", id);
}

static GtkWidget *
icon_button (const char *icon, const char *label, const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  pier_ui_set_static_tooltip (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect (button, "clicked", G_CALLBACK (icon_button_clicked), (gpointer) action);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  return button;
}

static GMenuModel *
container_menu (const char *id)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) lifecycle = g_menu_new ();
  g_autoptr (GMenu) make = g_menu_new ();
  g_autoptr (GMenu) remove = g_menu_new ();
  const struct { GMenu *section; const char *label; const char *action; } items[] = {
    { lifecycle, _("_Open"), "win.container-open" },
    { lifecycle, _("_Restart"), "win.container-restart" },
    { lifecycle, _("_Kill"), "win.container-kill" },
    { make, _("_Commit to an Image…"), "win.container-commit" },
    { make, _("Open _Graphical Session"), "win.container-graphical" },
    { remove, _("_Remove…"), "win.container-remove" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (items[i].label, NULL);
      g_menu_item_set_action_and_target_value (item, items[i].action, g_variant_new_string (id));
      g_menu_append_item (items[i].section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (lifecycle));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (make));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (remove));
  return G_MENU_MODEL (menu);
}

static void
setup_actions (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  GtkWidget *menu = pier_ui_row_menu_button_new (container_menu);

  gtk_widget_set_halign (box, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (box), icon_button ("media-playback-start-symbolic", "Start", "win.container-start"));
  gtk_box_append (GTK_BOX (box), icon_button ("media-playback-stop-symbolic", "Stop", "win.container-stop"));
  gtk_box_append (GTK_BOX (box), icon_button ("utilities-terminal-symbolic", "Open a Terminal", "win.container-terminal"));
  gtk_box_append (GTK_BOX (box), menu);
  gtk_list_item_set_child (item, box);
  gtk_list_item_set_activatable (item, TRUE);
}

/* Start shows on a container that is not running (and not broken: that one can only be
 * removed); Stop and Terminal on one that is. */
static void
show_running_buttons (PierContainerRow *row, GParamSpec *pspec, GtkWidget *box)
{
  gboolean running = pier_container_row_get_running (row);
  GtkWidget *start = gtk_widget_get_first_child (box);
  GtkWidget *stop = gtk_widget_get_next_sibling (start);

  gtk_widget_set_visible (start, !running && !pier_container_row_get_broken (row));
  gtk_widget_set_visible (stop, running);
  gtk_widget_set_visible (gtk_widget_get_next_sibling (stop), running);
}

static void
bind_actions (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  PierContainerRow *row = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *menu = gtk_widget_get_last_child (box);
  const char *id = pier_container_row_get_id (row);

  g_object_set_data_full (G_OBJECT (box), "pier-id", g_strdup (id), g_free);
  pier_ui_menu_button_set_target (GTK_MENU_BUTTON (menu), id);
  show_running_buttons (row, NULL, box);
  g_signal_connect_object (row, "notify::running", G_CALLBACK (show_running_buttons), box, 0);
}

static void
unbind_actions (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  PierContainerRow *row = gtk_list_item_get_item (item);

  if (row != NULL)
    g_signal_handlers_disconnect_by_func (row, show_running_buttons, gtk_list_item_get_child (item));
}

/* ---- public ---- */

void
pier_containers_view_set_model (PierContainersView *self, PierModel *model)
{
  GListModel *containers = pier_model_get_containers (model);

  /* Another connection's model: the same search, sorting and selection over its rows. */
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (pier_model_get_containers (self->model), update_page, self);
  else
    {
      self->selection = pier_ui_column_view_searchable (self->column_view, PIER_TYPE_CONTAINER_ROW,
                                                        &self->filter, &self->filtered);
      g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (update_page), self, G_CONNECT_SWAPPED);
    }
  g_set_object (&self->model, model);
  gtk_filter_list_model_set_model (self->filtered, containers);
  g_signal_connect_object (containers, "items-changed", G_CALLBACK (update_page), self, G_CONNECT_SWAPPED);
  update_page (self);
}

void
pier_containers_view_start_search (PierContainersView *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

GListModel *
pier_containers_view_get_shown (PierContainersView *self)
{
  return G_LIST_MODEL (self->selection);
}

gboolean
pier_containers_view_get_listed (PierContainersView *self)
{
  return gtk_column_view_get_model (self->column_view) != NULL;
}

PierContainerRow *
pier_containers_view_get_selected (PierContainersView *self)
{
  return self->selection ? gtk_single_selection_get_selected_item (self->selection) : NULL;
}

void
pier_containers_view_select (PierContainersView *self, const char *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), i);
      if (g_strcmp0 (pier_container_row_get_id (row), id) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          pier_column_view_scroll_to (self->column_view, i);
          return;
        }
    }
}

static void
pier_containers_view_dispose (GObject *object)
{
  PierContainersView *self = PIER_CONTAINERS_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_CONTAINERS_VIEW);
  pier_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_containers_view_parent_class)->dispose (object);
}

static void
pier_containers_view_class_init (PierContainersViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_containers_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Named by the template's sorters and cells. */
  g_type_ensure (PIER_TYPE_CONTAINER_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-containers-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PierContainersView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PierContainersView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PierContainersView, stack);
  gtk_widget_class_bind_template_child (widget_class, PierContainersView, column_view);
  gtk_widget_class_bind_template_child (widget_class, PierContainersView, actions_column);
  gtk_widget_class_bind_template_callback (widget_class, row_activated);
  pier_column_class_bind_template_callbacks (widget_class);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pier_containers_view_init (PierContainersView *self)
{
  g_autoptr (GtkListItemFactory) actions = gtk_signal_list_item_factory_new ();
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (actions, "setup", G_CALLBACK (setup_actions), NULL);
  g_signal_connect (actions, "bind", G_CALLBACK (bind_actions), NULL);
  g_signal_connect (actions, "unbind", G_CALLBACK (unbind_actions), NULL);
  gtk_column_view_column_set_factory (self->actions_column, actions);

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_callback_action_new (delete_selected, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), shortcuts);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed), self);
}
