/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-row.h"

#include "pier-ui-util.h"
#include "pier-i18n.h"

struct _PierContainerRow {
  GObject parent_instance;

  PierContainerInfo *container;
  char *state_label;
  char *command;
  char *created;
  char *status;
  char *search_text;
};

G_DEFINE_FINAL_TYPE (PierContainerRow, pier_container_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_STATE,
  PROP_STATE_LABEL,
  PROP_STATE_CLASSES,
  PROP_IMAGE,
  PROP_COMMAND,
  PROP_CREATED,
  PROP_CREATED_TIME,
  PROP_STATUS,
  PROP_HOSTNAME,
  PROP_ADDRESS,
  PROP_RUNNING,
  PROP_SEARCH_TEXT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static const char *
state_name (const PierContainerInfo *c)
{
  const char *names[] = { [PIER_CONTAINER_STATE_CREATED] = "created",
                          [PIER_CONTAINER_STATE_RUNNING] = "running",
                          [PIER_CONTAINER_STATE_EXITED] = "exited" };

  return c->broken ? "broken" : names[c->state];
}

static char *
make_state_label (const PierContainerInfo *c)
{
  if (c->broken)
    return g_strdup (_("Broken"));
  switch (c->state)
    {
    case PIER_CONTAINER_STATE_RUNNING:
      return g_strdup (_("Running"));
    case PIER_CONTAINER_STATE_EXITED:
      return c->exit_code >= 0 ? g_strdup_printf (_("Exited (%d)"), c->exit_code)
                               : g_strdup (_("Exited"));
    case PIER_CONTAINER_STATE_CREATED:
    default:
      return g_strdup (_("Created"));
    }
}

static char *
make_status (const PierContainerInfo *c)
{
  g_autofree char *ago = NULL;

  /* It can only be removed: say why. */
  if (c->broken)
    return g_strdup (c->broken);
  switch (c->state)
    {
    /* A time not known is 0 (Docker's list gives none): no "Up 20795 days". */
    case PIER_CONTAINER_STATE_RUNNING:
      if (c->started_at <= 0)
        return g_strdup (_("Up"));
      ago = pier_ui_format_duration (g_get_real_time () - c->started_at);
      return g_strdup_printf (_("Up %s"), ago);
    case PIER_CONTAINER_STATE_EXITED:
      if (c->stale)
        return g_strdup (_("Exited: its monitor vanished"));
      if (c->finished_at <= 0)
        return g_strdup (_("Exited"));
      ago = pier_ui_format_ago (c->finished_at);
      return g_strdup_printf (_("Exited %s"), ago);
    case PIER_CONTAINER_STATE_CREATED:
    default:
      return g_strdup (_("Never started"));
    }
}

static void
set (PierContainerRow *self, char **field, char *value, guint prop)
{
  g_autofree char *owned = value;

  if (pier_ui_set_string (field, owned))
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

void
pier_container_row_tick (PierContainerRow *self)
{
  set (self, &self->created, pier_ui_format_ago (self->container->created), PROP_CREATED);
  set (self, &self->status, make_status (self->container), PROP_STATUS);
}

void
pier_container_row_update (PierContainerRow *self, PierContainerInfo *container)
{
  g_autoptr (PierContainerInfo) old = self->container;
  g_autofree char *joined = g_strjoinv (" ", container->command);
  g_autofree char *search = NULL;

  self->container = container;
  g_object_freeze_notify (G_OBJECT (self));
  if (old != NULL)
    {
      if (g_strcmp0 (old->name, container->name) != 0)
        g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
      if (old->state != container->state || (old->broken == NULL) != (container->broken == NULL))
        {
          g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
          g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_CLASSES]);
          g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
        }
      if (g_strcmp0 (old->image, container->image) != 0)
        g_object_notify_by_pspec (G_OBJECT (self), props[PROP_IMAGE]);
      if (g_strcmp0 (old->hostname, container->hostname) != 0)
        g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HOSTNAME]);
      if (g_strcmp0 (old->ip_address, container->ip_address) != 0)
        g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ADDRESS]);
    }
  set (self, &self->state_label, make_state_label (container), PROP_STATE_LABEL);
  set (self, &self->command, g_strdup (joined), PROP_COMMAND);
  search = g_strjoin (" ", container->name, container->id, container->image, joined,
                      container->hostname ? container->hostname : "",
                      container->ip_address ? container->ip_address : "", state_name (container),
                      NULL);
  set (self, &self->search_text, g_utf8_strdown (search, -1), PROP_SEARCH_TEXT);
  pier_container_row_tick (self);
  g_object_thaw_notify (G_OBJECT (self));
}

PierContainerRow *
pier_container_row_new (PierContainerInfo *container)
{
  PierContainerRow *self = g_object_new (PIER_TYPE_CONTAINER_ROW, NULL);

  pier_container_row_update (self, container);
  return self;
}

const PierContainerInfo *
pier_container_row_get_container (PierContainerRow *self)
{
  return self->container;
}

const char *
pier_container_row_get_id (PierContainerRow *self)
{
  return self->container->id;
}

const char *
pier_container_row_get_name (PierContainerRow *self)
{
  return self->container->name;
}

gboolean
pier_container_row_get_running (PierContainerRow *self)
{
  return self->container->state == PIER_CONTAINER_STATE_RUNNING;
}

gboolean
pier_container_row_get_broken (PierContainerRow *self)
{
  return self->container->broken != NULL;
}

static void
pier_container_row_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  PierContainerRow *self = PIER_CONTAINER_ROW (object);
  const PierContainerInfo *c = self->container;

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, c->id); break;
    case PROP_NAME: g_value_set_string (value, c->name); break;
    case PROP_STATE: g_value_set_string (value, state_name (c)); break;
    case PROP_STATE_LABEL: g_value_set_string (value, self->state_label); break;
    case PROP_STATE_CLASSES:
      g_value_take_boxed (value, g_strdupv ((char *[]){ "state-badge", (char *) state_name (c), NULL }));
      break;
    case PROP_IMAGE: g_value_set_string (value, c->image); break;
    case PROP_COMMAND: g_value_set_string (value, self->command); break;
    case PROP_CREATED: g_value_set_string (value, self->created); break;
    case PROP_CREATED_TIME: g_value_set_int64 (value, c->created); break;
    case PROP_STATUS: g_value_set_string (value, self->status); break;
    case PROP_HOSTNAME: g_value_set_string (value, c->hostname); break;
    case PROP_ADDRESS: g_value_set_string (value, c->ip_address ? c->ip_address : ""); break;
    case PROP_RUNNING: g_value_set_boolean (value, c->state == PIER_CONTAINER_STATE_RUNNING); break;
    case PROP_SEARCH_TEXT: g_value_set_string (value, self->search_text); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_container_row_finalize (GObject *object)
{
  PierContainerRow *self = PIER_CONTAINER_ROW (object);

  pier_container_info_free (self->container);
  g_free (self->state_label);
  g_free (self->command);
  g_free (self->created);
  g_free (self->status);
  g_free (self->search_text);
  G_OBJECT_CLASS (pier_container_row_parent_class)->finalize (object);
}

static void
pier_container_row_class_init (PierContainerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const char *strings[] = {
    [PROP_ID] = "id", [PROP_NAME] = "name", [PROP_STATE] = "state",
    [PROP_STATE_LABEL] = "state-label", [PROP_IMAGE] = "image", [PROP_COMMAND] = "command",
    [PROP_CREATED] = "created", [PROP_STATUS] = "status", [PROP_HOSTNAME] = "hostname",
    [PROP_ADDRESS] = "address", [PROP_SEARCH_TEXT] = "search-text",
  };

  object_class->get_property = pier_container_row_get_property;
  object_class->finalize = pier_container_row_finalize;
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i] != NULL)
      props[i] = g_param_spec_string (strings[i], NULL, NULL, NULL, flags);
  props[PROP_STATE_CLASSES] = g_param_spec_boxed ("state-classes", NULL, NULL, G_TYPE_STRV, flags);
  props[PROP_CREATED_TIME] = g_param_spec_int64 ("created-time", NULL, NULL, 0, G_MAXINT64, 0, flags);
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pier_container_row_init (PierContainerRow *self)
{
}
