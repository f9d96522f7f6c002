#include <adwaita.h>

#include "pier-window.h"

static char *root;
static char *runroot;

static void
activate (GtkApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (app);

  if (window == NULL)
    window = GTK_WINDOW (pier_window_new (app, root, runroot));
  gtk_window_present (window);
}

int
main (int argc, char **argv)
{
  g_autoptr (AdwApplication) app = adw_application_new ("org.pier.Pier", G_APPLICATION_DEFAULT_FLAGS);
  const GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, "Store directory", "DIR" },
    { "runroot", 0, 0, G_OPTION_ARG_FILENAME, &runroot, "Runtime state directory", "DIR" },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (app), entries);
  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
