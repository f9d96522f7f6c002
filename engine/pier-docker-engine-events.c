/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: events. read_events asks /events between the cursor and now (the peer
 * keeps its recent events); a watch is a thread following the /events stream, saying
 * "changed" for each event it sees. The cursor is the peer's timeNano of the next event. */
#include "pier-docker-engine-private.h"

#include "pier-docker-stream.h"

#include <string.h>

/* The most events one read returns; the cursor then says where the next goes on. */
#define MAX_EVENTS 10000
#define RETRY_US (1 * G_USEC_PER_SEC)

typedef struct {
  GPtrArray *events;
  guint64 from_nano; /* earlier ones are left out (Podman's range is in whole seconds) */
  guint64 last_nano;
} Read;

/* Docker's actions in PierLocalEngine's words where they differ. */
static const char *
action_of (const char *action)
{
  if (strcmp (action, "die") == 0 || strcmp (action, "died") == 0)
    return "exit";
  if (strcmp (action, "destroy") == 0 || strcmp (action, "delete") == 0)
    return "remove";
  return action;
}

static gboolean
on_event (json_t *document, gpointer user_data, GError **error)
{
  Read *read = user_data;
  const char *type = pier_docker_str (document, "Type");
  const char *action = pier_docker_str (document, "Action");
  json_t *actor = json_object_get (document, "Actor");
  json_t *attributes = json_object_get (actor, "Attributes");
  gint64 nano = pier_docker_int (document, "timeNano");
  const char *exit_code;
  PierEngineEvent *event;

  if (nano > 0)
    read->last_nano = MAX (read->last_nano, (guint64) nano);
  if ((guint64) nano < read->from_nano || type == NULL || action == NULL || pier_docker_str (actor, "ID") == NULL ||
      (strcmp (type, "container") != 0 && strcmp (type, "image") != 0) ||
      read->events->len >= MAX_EVENTS)
    return TRUE;
  /* "exec_start: sh" and the like: the action is the word before the colon. */
  event = g_new0 (PierEngineEvent, 1);
  event->time = nano / 1000;
  event->type = g_strdup (type);
  event->action = g_strndup (action, strcspn (action, ":"));
  if (strcmp (event->action, action_of (event->action)) != 0)
    {
      char *mapped = g_strdup (action_of (event->action));
      g_free (event->action);
      event->action = mapped;
    }
  event->id = g_strdup (pier_docker_str (actor, "ID"));
  event->name = g_strdup (pier_docker_str (attributes, "name"));
  /* Podman's attribute has another name. */
  exit_code = pier_docker_str (attributes, "exitCode");
  if (exit_code == NULL)
    exit_code = pier_docker_str (attributes, "containerExitCode");
  event->exit_code = exit_code != NULL ? (int) g_ascii_strtoll (exit_code, NULL, 10) : 0;
  g_ptr_array_add (read->events, event);
  return TRUE;
}

static char *
seconds_text (guint64 nano)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%09" G_GUINT64_FORMAT, nano / 1000000000,
                          nano % 1000000000);
}

static GPtrArray *
docker_read_events (PierEngine *engine, guint64 *cursor, GCancellable *cancellable,
                    GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  /* The peer's clock is taken to be ours: until is now. */
  guint64 now = (guint64) g_get_real_time () * 1000;
  g_autofree char *since = NULL, *until = NULL, *path = NULL;
  Read read = { .events = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_engine_event_free) };
  PierDockerLines lines;
  PierDockerRequest request = { .body_fd = -1, .chunks = pier_docker_lines_chunk,
                                .chunks_data = &lines };

  if (!pier_docker_client_ping (self->client, cancellable, error))
    {
      g_ptr_array_unref (read.events);
      return NULL;
    }
  if (*cursor == PIER_ENGINE_EVENTS_NOW || *cursor >= now)
    {
      if (*cursor == PIER_ENGINE_EVENTS_NOW)
        *cursor = now;
      return read.events;
    }
  read.from_nano = *cursor;
  /* Podman 4.3's Docker /events answers nothing for a time range, and its libpod one takes
   * whole seconds. */
  if (pier_docker_client_is_podman (self->client))
    path = g_strdup_printf ("/libpod/events?stream=false&since=%" G_GUINT64_FORMAT
                            "&until=%" G_GUINT64_FORMAT,
                            MAX (*cursor / 1000000000, 1), now / 1000000000 + 1);
  else
    {
      since = seconds_text (MAX (*cursor, 1));
      until = seconds_text (now);
      path = g_strdup_printf ("/events?since=%s&until=%s", since, until);
    }
  request.path = path;
  pier_docker_lines_init (&lines, pier_docker_client_get_uri (self->client), on_event, &read);
  if (pier_docker_client_send (self->client, &request, NULL, cancellable, error) == 0 ||
      !pier_docker_lines_finish (&lines, error))
    {
      pier_docker_lines_clear (&lines);
      g_ptr_array_unref (read.events);
      return NULL;
    }
  *cursor = read.events->len >= MAX_EVENTS ? read.last_nano + 1 : MAX (now, read.last_nano + 1);
  return read.events;
}

/* ---- the watch ---- */

typedef struct {
  PierDockerEngine *engine;
  GWeakRef watch;
  GCancellable *cancellable; /* cancelled when the watch goes */
} Follow;

static gboolean
on_streamed (json_t *document, gpointer user_data, GError **error)
{
  Follow *follow = user_data;
  PierEventsWatch *watch = g_weak_ref_get (&follow->watch);

  if (watch != NULL)
    {
      pier_events_watch_changed (watch);
      g_object_unref (watch);
    }
  return TRUE;
}

/* Once the stream is open: a read then brings what happened between the watch's making and
 * the stream's start (a slow peer, ssh's set-up), which the stream itself never shows. */
static void
on_opened (gpointer data)
{
  on_streamed (NULL, data, NULL);
}

static gpointer
follow_thread (gpointer data)
{
  Follow *follow = data;
  PierDockerRequest request = { .path = "/events", .body_fd = -1, .quiet_ok = TRUE,
                                .chunks = pier_docker_lines_chunk, .opened = on_opened,
                                .opened_data = follow };

  /* Podman 4.3 streams its events on libpod's endpoint. */
  if (pier_docker_client_ping (follow->engine->client, follow->cancellable, NULL) &&
      pier_docker_client_is_podman (follow->engine->client))
    request.path = "/libpod/events";

  while (!g_cancellable_is_cancelled (follow->cancellable))
    {
      PierDockerLines lines;
      g_autoptr (GError) error = NULL;

      pier_docker_lines_init (&lines, pier_docker_client_get_uri (follow->engine->client),
                              on_streamed, follow);
      request.chunks_data = &lines;
      pier_docker_client_send (follow->engine->client, &request, NULL, follow->cancellable,
                               &error);
      pier_docker_lines_clear (&lines);
      if (error != NULL && !g_cancellable_is_cancelled (follow->cancellable))
        g_debug ("following %s's events: %s; again in a second",
                 pier_docker_client_get_uri (follow->engine->client), error->message);
      /* A peer that went away may come back: the next stream's opening says so. */
      for (guint i = 0; i < 10 && !g_cancellable_is_cancelled (follow->cancellable); i++)
        g_usleep (RETRY_US / 10);
    }
  g_object_unref (follow->engine);
  g_weak_ref_clear (&follow->watch);
  g_object_unref (follow->cancellable);
  g_free (follow);
  return NULL;
}

static void
on_watch_gone (gpointer cancellable, GObject *watch)
{
  g_cancellable_cancel (cancellable);
  g_object_unref (cancellable);
}

static PierEventsWatch *
docker_watch_events (PierEngine *engine, GError **error)
{
  PierEventsWatch *watch = pier_events_watch_new (NULL);
  Follow *follow = g_new0 (Follow, 1);

  follow->engine = g_object_ref (PIER_DOCKER_ENGINE (engine));
  follow->cancellable = g_cancellable_new ();
  g_weak_ref_init (&follow->watch, watch);
  g_object_weak_ref (G_OBJECT (watch), on_watch_gone, g_object_ref (follow->cancellable));
  g_thread_unref (g_thread_new ("pier-docker-events", follow_thread, follow));
  return watch;
}

void
pier_docker_engine_events_init (PierEngineInterface *iface)
{
  iface->read_events = docker_read_events;
  iface->watch_events = docker_watch_events;
}
