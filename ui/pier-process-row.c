/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-process-row.h"

#include "pier-ui-util.h"
#include "pier-i18n.h"

enum {
  PROP_0,
  PROP_CONTAINER_PID,
  PROP_CONTAINER_SID,
  PROP_USER,
  PROP_COMMAND,
  PROP_HOST_PID,
  PROP_HOST_SID,
  PROP_HOST_USER,
  PROP_HOST_COMMAND,
  PROP_CPU,
  PROP_MEMORY,
  PROP_STATE,
  PROP_CONTAINER,
  PROP_SEARCH_TEXT,
  N_TEXTS,
  PROP_CLASSES = N_TEXTS,
  N_PROPS
};

struct _PierProcessRow {
  GObject parent_instance;

  gboolean is_session;
  int host_id;
  int container_pid, container_sid, host_sid;
  char *container_id;
  char *texts[N_TEXTS];
  gboolean marked;
};

G_DEFINE_FINAL_TYPE (PierProcessRow, pier_process_row, G_TYPE_OBJECT)

static GParamSpec *props[N_PROPS];

static void
set (PierProcessRow *self, guint prop, char *value)
{
  g_autofree char *owned = value;

  if (pier_ui_set_string (&self->texts[prop], owned))
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static char *
id_text (int id)
{
  return id > 0 ? g_strdup_printf ("%d", id) : g_strdup ("—");
}

static char *
user_text (const char *name, guint32 id, gboolean with_id)
{
  if (id == PIER_PROCESS_INFO_ID_UNKNOWN)
    return g_strdup ("?");
  if (name == NULL)
    return g_strdup_printf ("%u", id);
  return with_id ? g_strdup_printf ("%s (%u)", name, id) : g_strdup (name);
}

PierProcessRow *
pier_process_row_new (gboolean is_session, int host_id)
{
  PierProcessRow *self = g_object_new (PIER_TYPE_PROCESS_ROW, NULL);

  self->is_session = is_session;
  self->host_id = host_id;
  return self;
}

void
pier_process_row_update_process (PierProcessRow *self, const PierProcessInfo *p,
                                 const char *container, gboolean mark_container)
{
  gboolean in_container = container != NULL;
  gboolean marked = in_container && mark_container;
  g_autofree char *search = NULL;

  g_object_freeze_notify (G_OBJECT (self));
  self->container_pid = p->container_pid;
  self->container_sid = p->container_sid;
  self->host_sid = p->host_sid;
  set (self, PROP_CONTAINER_PID, id_text (in_container ? p->container_pid : 0));
  set (self, PROP_CONTAINER_SID, id_text (p->container_sid));
  set (self, PROP_USER, user_text (p->user, p->uid, FALSE));
  set (self, PROP_COMMAND, g_strdup (p->command));
  set (self, PROP_HOST_PID, g_strdup_printf ("%d", p->host_pid));
  set (self, PROP_HOST_SID, id_text (p->host_sid));
  set (self, PROP_HOST_USER, user_text (p->host_user, p->host_uid, TRUE));
  set (self, PROP_HOST_COMMAND, g_strdup (p->command));
  set (self, PROP_CPU, g_strdup_printf ("%.1f%%", p->cpu_percent));
  set (self, PROP_MEMORY, g_format_size (p->rss_bytes));
  set (self, PROP_STATE, g_strdup_printf ("%c", p->state));
  set (self, PROP_CONTAINER, g_strdup (container ? container : ""));
  search = g_strdup_printf ("%d %d %s %s %s", p->host_pid, p->container_pid, p->command,
                            container ? container : "", p->host_user ? p->host_user : "");
  set (self, PROP_SEARCH_TEXT, g_utf8_strdown (search, -1));
  if (self->marked != marked)
    {
      self->marked = marked;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CLASSES]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
pier_process_row_update_session (PierProcessRow *self, const PierSessionInfo *s)
{
  const PierProcessInfo *leader = s->leader;
  const char *origin = s->origin ? s->origin : _("unknown origin");
  guint n = s->processes->len;

  g_object_freeze_notify (G_OBJECT (self));
  self->container_sid = s->container_sid;
  self->host_sid = s->host_sid;
  set (self, PROP_CONTAINER_SID, id_text (s->container_sid));
  set (self, PROP_USER, leader ? user_text (leader->user, leader->uid, FALSE) : g_strdup (""));
  set (self, PROP_COMMAND, s->container_sid > 0
                               ? g_strdup_printf (_("Session %d · %s"), s->container_sid, origin)
                               : g_strdup_printf (_("Entered from the host · %s"), origin));
  set (self, PROP_HOST_SID, id_text (s->host_sid));
  set (self, PROP_HOST_USER, leader ? user_text (leader->host_user, leader->host_uid, TRUE) : g_strdup (""));
  set (self, PROP_HOST_COMMAND, g_strdup_printf (g_dngettext (NULL, "Session %d · %s · %u process",
                                                              "Session %d · %s · %u processes", n),
                                                 s->host_sid, origin, n));
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
pier_process_row_is_session (PierProcessRow *self)
{
  return self->is_session;
}

int
pier_process_row_get_host_id (PierProcessRow *self)
{
  return self->host_id;
}

int
pier_process_row_get_container_pid (PierProcessRow *self)
{
  return self->container_pid;
}

int
pier_process_row_get_container_sid (PierProcessRow *self)
{
  return self->container_sid;
}

int
pier_process_row_get_host_sid (PierProcessRow *self)
{
  return self->host_sid;
}

const char *
pier_process_row_get_container_id (PierProcessRow *self)
{
  return self->container_id;
}

void
pier_process_row_set_container_id (PierProcessRow *self, const char *id)
{
  pier_ui_set_string (&self->container_id, id);
}

static void
pier_process_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierProcessRow *self = PIER_PROCESS_ROW (object);

  if (prop_id > PROP_0 && prop_id < N_TEXTS)
    g_value_set_string (value, self->texts[prop_id] ? self->texts[prop_id] : "");
  else if (prop_id == PROP_CLASSES)
    g_value_take_boxed (value, g_strdupv ((char *[]){
                                 self->is_session ? "process-session" : self->marked ? "process-contained" : NULL,
                                 NULL }));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_process_row_finalize (GObject *object)
{
  PierProcessRow *self = PIER_PROCESS_ROW (object);

  for (guint i = 0; i < N_TEXTS; i++)
    g_free (self->texts[i]);
  g_free (self->container_id);
  G_OBJECT_CLASS (pier_process_row_parent_class)->finalize (object);
}

static void
pier_process_row_class_init (PierProcessRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const char *names[N_TEXTS] = {
    [PROP_CONTAINER_PID] = "container-pid", [PROP_CONTAINER_SID] = "container-sid",
    [PROP_USER] = "user", [PROP_COMMAND] = "command", [PROP_HOST_PID] = "host-pid",
    [PROP_HOST_SID] = "host-sid", [PROP_HOST_USER] = "host-user",
    [PROP_HOST_COMMAND] = "host-command", [PROP_CPU] = "cpu", [PROP_MEMORY] = "memory",
    [PROP_STATE] = "state", [PROP_CONTAINER] = "container", [PROP_SEARCH_TEXT] = "search-text",
  };

  object_class->get_property = pier_process_row_get_property;
  object_class->finalize = pier_process_row_finalize;
  for (guint i = 1; i < N_TEXTS; i++)
    props[i] = g_param_spec_string (names[i], NULL, NULL, NULL, flags);
  props[PROP_CLASSES] = g_param_spec_boxed ("classes", NULL, NULL, G_TYPE_STRV, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pier_process_row_init (PierProcessRow *self)
{
}
