/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-ui-relay.h"

struct _PierUiRelay {
  gatomicrefcount refs;
  GMutex lock;
  GMainContext *context;
  gboolean latest_only;
  gboolean scheduled; /* a delivery is queued on the context */
  gboolean closed;
  GQueue items;
  PierUiRelayFunc func;
  gpointer user_data;
  GDestroyNotify item_free;
};

PierUiRelay *
pier_ui_relay_new (gboolean latest_only, PierUiRelayFunc func, gpointer user_data,
                   GDestroyNotify item_free)
{
  PierUiRelay *relay = g_new0 (PierUiRelay, 1);

  g_atomic_ref_count_init (&relay->refs);
  g_mutex_init (&relay->lock);
  relay->context = g_main_context_ref_thread_default ();
  relay->latest_only = latest_only;
  relay->func = func;
  relay->user_data = user_data;
  relay->item_free = item_free;
  return relay;
}

PierUiRelay *
pier_ui_relay_ref (PierUiRelay *relay)
{
  g_atomic_ref_count_inc (&relay->refs);
  return relay;
}

static void
drop_items (GQueue *items, GDestroyNotify item_free)
{
  for (gpointer item; (item = g_queue_pop_head (items)) != NULL;)
    item_free (item);
}

void
pier_ui_relay_unref (PierUiRelay *relay)
{
  if (!g_atomic_ref_count_dec (&relay->refs))
    return;
  drop_items (&relay->items, relay->item_free);
  g_main_context_unref (relay->context);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

void
pier_ui_relay_flush (PierUiRelay *relay)
{
  GQueue items = G_QUEUE_INIT;

  g_mutex_lock (&relay->lock);
  if (!relay->closed)
    {
      items = relay->items;
      g_queue_init (&relay->items);
    }
  g_mutex_unlock (&relay->lock);
  /* Called without the lock: @func may post nothing, but it may close the relay. */
  for (gpointer item; (item = g_queue_pop_head (&items)) != NULL;)
    {
      if (!relay->closed)
        relay->func (item, relay->user_data);
      relay->item_free (item);
    }
}

static gboolean
deliver (gpointer data)
{
  PierUiRelay *relay = data;

  g_mutex_lock (&relay->lock);
  relay->scheduled = FALSE;
  g_mutex_unlock (&relay->lock);
  pier_ui_relay_flush (relay);
  return G_SOURCE_REMOVE;
}

void
pier_ui_relay_post (PierUiRelay *relay, gpointer item)
{
  gboolean schedule;

  g_mutex_lock (&relay->lock);
  if (relay->closed)
    {
      g_mutex_unlock (&relay->lock);
      relay->item_free (item);
      return;
    }
  if (relay->latest_only)
    drop_items (&relay->items, relay->item_free);
  g_queue_push_tail (&relay->items, item);
  schedule = !relay->scheduled;
  relay->scheduled = TRUE;
  g_mutex_unlock (&relay->lock);
  if (schedule)
    {
      /* A source of the context rather than g_main_context_invoke(), which runs the function
       * right here when the poster can acquire the context (the main thread between two
       * iterations): never on the poster's thread. */
      g_autoptr (GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver, pier_ui_relay_ref (relay),
                             (GDestroyNotify) pier_ui_relay_unref);
      g_source_attach (source, relay->context);
    }
}

void
pier_ui_relay_close (PierUiRelay *relay)
{
  g_mutex_lock (&relay->lock);
  relay->closed = TRUE;
  drop_items (&relay->items, relay->item_free);
  g_mutex_unlock (&relay->lock);
}
