/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-application.h"

#include "pier-bench.h"
#include "pier-local-engine.h"
#include "pier-model.h"
#include "pier-window.h"
#include "pier-i18n.h"

struct _PierApplication {
  AdwApplication parent_instance;

  PierEngine *engine;
  PierConnectionsSource source;
  gpointer source_data;
};

G_DEFINE_FINAL_TYPE (PierApplication, pier_application, ADW_TYPE_APPLICATION)

enum { PROP_0, PROP_ENGINE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  GtkWidget *about = adw_about_window_new ();

  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), "Pier");
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), "org.pier.Pier");
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PIER_VERSION);
  adw_about_window_set_comments (ADW_ABOUT_WINDOW (about),
                                 _("Images, containers and their processes, seen from inside and from the host"));
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);
  adw_about_window_set_developer_name (ADW_ABOUT_WINDOW (about), _("The Pier developers"));
  gtk_window_set_transient_for (GTK_WINDOW (about), gtk_application_get_active_window (app));
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_activated },
  { "quit", quit_activated },
};

static void
pier_application_startup (GApplication *application)
{
  GtkApplication *app = GTK_APPLICATION (application);
  const struct { const char *action; const char *accels[3]; } accels[] = {
    { "win.run", { "<Control>n", NULL } },
    { "win.build", { "<Control>b", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "win.back", { "<Alt>Left", "Back", NULL } },
    { "win.show-view('containers')", { "<Alt>1", NULL } },
    { "win.show-view('images')", { "<Alt>2", NULL } },
    { "win.show-view('processes')", { "<Alt>3", NULL } },
    { "win.show-view('build')", { "<Alt>4", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "app.quit", { "<Control>q", NULL } },
  };

  G_APPLICATION_CLASS (pier_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);
}

static void
pier_application_activate (GApplication *application)
{
  PierApplication *self = PIER_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      g_autoptr (PierModel) model = pier_model_new (self->engine);
      g_autoptr (PierConnectionSource) source =
          pier_connection_source_new (self->engine, &self->source, self->source_data);
      window = GTK_WINDOW (pier_window_new (GTK_APPLICATION (self), model, source));
      if (g_getenv ("PIER_BENCH") != NULL)
        pier_bench_attach (PIER_WINDOW (window));
    }
  gtk_window_present (window);
}

static void
pier_application_finalize (GObject *object)
{
  PierApplication *self = PIER_APPLICATION (object);

  g_clear_object (&self->engine);
  G_OBJECT_CLASS (pier_application_parent_class)->finalize (object);
}

static void
pier_application_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  PierApplication *self = PIER_APPLICATION (object);

  if (prop_id == PROP_ENGINE)
    self->engine = g_value_dup_object (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_application_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierApplication *self = PIER_APPLICATION (object);

  if (prop_id == PROP_ENGINE)
    g_value_set_object (value, self->engine);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_application_class_init (PierApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = pier_application_set_property;
  object_class->get_property = pier_application_get_property;
  object_class->finalize = pier_application_finalize;
  /* The engine every window of the application asks: a front end chooses it (pier, a local
   * engine over its store; a test, an engine of its own). */
  props[PROP_ENGINE] = g_param_spec_object ("engine", NULL, NULL, PIER_TYPE_ENGINE,
                                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  G_APPLICATION_CLASS (klass)->startup = pier_application_startup;
  G_APPLICATION_CLASS (klass)->activate = pier_application_activate;
}

static void
pier_application_init (PierApplication *self)
{
}

PierApplication *
pier_application_new (const char *root, const char *runroot, gboolean default_store)
{
  GApplicationFlags flags = default_store ? G_APPLICATION_DEFAULT_FLAGS : G_APPLICATION_NON_UNIQUE;
  g_autoptr (PierLocalEngine) engine = pier_local_engine_new (root, runroot);

  /* One engine for the application: every widget asks it, through the window's model. */
  return g_object_new (PIER_TYPE_APPLICATION, "application-id", "org.pier.Pier", "flags", flags,
                       "engine", engine, NULL);
}

PierEngine *
pier_application_get_engine (PierApplication *self)
{
  return self->engine;
}

void
pier_application_set_connections_source (PierApplication *self,
                                         const PierConnectionsSource *source, gpointer data)
{
  self->source = *source;
  self->source_data = data;
}
