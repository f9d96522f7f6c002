/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-images-view.h"
#include "pier-ui-util.h"

#include "pier-i18n.h"

struct _PierImagesView {
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

G_DEFINE_FINAL_TYPE (PierImagesView, pier_images_view, GTK_TYPE_WIDGET)

static void
update_page (PierImagesView *self)
{
  pier_ui_list_stack_update (self->stack, pier_model_get_images (self->model),
                             G_LIST_MODEL (self->filtered));
}

static void
search_changed (PierImagesView *self)
{
  pier_ui_string_filter_follow_entry (self->filter, GTK_EDITABLE (self->search_entry));
}

static void
row_activated (PierImagesView *self, guint position)
{
  g_autoptr (PierImageRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (row != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.image-open", "s",
                                pier_image_row_get_target (row));
}

static gboolean
delete_selected (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  PierImagesView *self = PIER_IMAGES_VIEW (user_data);
  PierImageRow *row = pier_images_view_get_selected (self);

  if (row == NULL)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.image-remove", "s",
                              pier_image_row_get_target (row));
  return TRUE;
}

static GMenuModel *
image_menu (const char *target)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) main = g_menu_new ();
  g_autoptr (GMenu) remove = g_menu_new ();
  const struct { GMenu *section; const char *label; const char *action; } items[] = {
    { main, _("_Open"), "win.image-open" },
    { main, _("_Tag…"), "win.image-tag" },
    { main, _("_Save to a File…"), "win.image-save" },
    { main, _("_Copy To…"), "win.image-copy" },
    { remove, _("_Remove…"), "win.image-remove" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (items[i].label, NULL);
      g_menu_item_set_action_and_target_value (item, items[i].action, g_variant_new_string (target));
      g_menu_append_item (items[i].section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (main));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (remove));
  return G_MENU_MODEL (menu);
}

/* The row's image is the menu button's target: one lookup when clicked rather than an
 * action tracked (GtkActionable) by every bound row's button. */
static void
run_clicked (GtkWidget *run)
{
  const char *target = pier_ui_menu_button_get_target (GTK_MENU_BUTTON (gtk_widget_get_next_sibling (run)));

  if (target != NULL)
    gtk_widget_activate_action (run, "win.image-run", "s", target);
}

static void
setup_actions (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  GtkWidget *run = gtk_button_new_with_mnemonic ("_Run…");
  GtkWidget *menu = pier_ui_row_menu_button_new (image_menu);

  gtk_widget_set_halign (box, GTK_ALIGN_END);
  pier_ui_set_static_tooltip (run, _("Run a Container of This Image"));
  gtk_widget_add_css_class (run, "flat");
  g_signal_connect (run, "clicked", G_CALLBACK (run_clicked), NULL);
  gtk_box_append (GTK_BOX (box), run);
  gtk_box_append (GTK_BOX (box), menu);
  gtk_list_item_set_child (item, box);
}

static void
bind_actions (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  PierImageRow *row = gtk_list_item_get_item (item);
  GtkWidget *run = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *menu = gtk_widget_get_next_sibling (run);

  pier_ui_menu_button_set_target (GTK_MENU_BUTTON (menu), pier_image_row_get_target (row));
}

void
pier_images_view_set_model (PierImagesView *self, PierModel *model)
{
  GListModel *images = pier_model_get_images (model);

  /* Another connection's model: the same search, sorting and selection over its rows. */
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (pier_model_get_images (self->model), update_page, self);
  else
    {
      self->selection = pier_ui_column_view_searchable (self->column_view, PIER_TYPE_IMAGE_ROW,
                                                        &self->filter, &self->filtered);
      g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (update_page), self, G_CONNECT_SWAPPED);
    }
  g_set_object (&self->model, model);
  gtk_filter_list_model_set_model (self->filtered, images);
  g_signal_connect_object (images, "items-changed", G_CALLBACK (update_page), self, G_CONNECT_SWAPPED);
  update_page (self);
}

void
pier_images_view_start_search (PierImagesView *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

GListModel *
pier_images_view_get_shown (PierImagesView *self)
{
  return G_LIST_MODEL (self->selection);
}

PierImageRow *
pier_images_view_get_selected (PierImagesView *self)
{
  return self->selection ? gtk_single_selection_get_selected_item (self->selection) : NULL;
}

static void
pier_images_view_dispose (GObject *object)
{
  PierImagesView *self = PIER_IMAGES_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_IMAGES_VIEW);
  pier_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_images_view_parent_class)->dispose (object);
}

static void
pier_images_view_class_init (PierImagesViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_images_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Named by the template's sorters and cells. */
  g_type_ensure (PIER_TYPE_IMAGE_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-images-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PierImagesView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PierImagesView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PierImagesView, stack);
  gtk_widget_class_bind_template_child (widget_class, PierImagesView, column_view);
  gtk_widget_class_bind_template_child (widget_class, PierImagesView, actions_column);
  gtk_widget_class_bind_template_callback (widget_class, row_activated);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pier_images_view_init (PierImagesView *self)
{
  g_autoptr (GtkListItemFactory) actions = gtk_signal_list_item_factory_new ();
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (actions, "setup", G_CALLBACK (setup_actions), NULL);
  g_signal_connect (actions, "bind", G_CALLBACK (bind_actions), NULL);
  gtk_column_view_column_set_factory (self->actions_column, actions);

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_callback_action_new (delete_selected, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), shortcuts);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed), self);
}
