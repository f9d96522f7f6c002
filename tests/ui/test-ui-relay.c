/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierUiRelay: what a worker thread posts reaches the main thread in order (or only the newest,
 * with latest_only), never after the relay is closed, and every item is freed exactly once. */
#include "pier-ui-relay.h"

typedef struct {
  GThread *main_thread;
  GArray *delivered; /* int */
  gboolean off_main;  /* a delivery came on another thread */
  gint freed;         /* atomic */
} Fixture;

static void
item_free (gpointer item)
{
  Fixture *fx = *(Fixture **) item;

  g_atomic_int_inc (&fx->freed);
  g_free (item);
}

typedef struct {
  Fixture *fx;
  int value;
} Item;

static void
deliver (gpointer data, gpointer user_data)
{
  Fixture *fx = user_data;

  fx->off_main |= g_thread_self () != fx->main_thread;
  g_array_append_val (fx->delivered, ((Item *) data)->value);
}

typedef struct {
  PierUiRelay *relay;
  Fixture *fx;
  int n;
} Poster;

static gpointer
post_all (gpointer data)
{
  Poster *p = data;

  for (int i = 1; i <= p->n; i++)
    {
      Item *item = g_new (Item, 1);
      item->fx = p->fx;
      item->value = i;
      pier_ui_relay_post (p->relay, item);
    }
  return NULL;
}

static void
fixture_init (Fixture *fx)
{
  fx->main_thread = g_thread_self ();
  fx->delivered = g_array_new (FALSE, FALSE, sizeof (int));
}

/* Posts 1..@n from a thread, then runs the main context until the thread is done and nothing
 * is left to deliver. */
static void
run (PierUiRelay *relay, Fixture *fx, int n)
{
  Poster p = { relay, fx, n };
  GThread *thread = g_thread_new ("poster", post_all, &p);

  g_thread_join (thread);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_in_order (void)
{
  Fixture fx = { 0 };
  g_autoptr (PierUiRelay) relay = NULL;

  fixture_init (&fx);
  relay = pier_ui_relay_new (FALSE, deliver, &fx, item_free);
  run (relay, &fx, 500);
  g_assert_false (fx.off_main);
  g_assert_cmpuint (fx.delivered->len, ==, 500);
  for (guint i = 0; i < fx.delivered->len; i++)
    g_assert_cmpint (g_array_index (fx.delivered, int, i), ==, (int) i + 1);
  g_assert_cmpint (g_atomic_int_get (&fx.freed), ==, 500);
  g_array_unref (fx.delivered);
}

static void
test_latest_only (void)
{
  Fixture fx = { 0 };
  g_autoptr (PierUiRelay) relay = NULL;

  fixture_init (&fx);
  relay = pier_ui_relay_new (TRUE, deliver, &fx, item_free);
  run (relay, &fx, 500);
  /* The main thread ran only after the thread had posted everything: one delivery, the last. */
  g_assert_cmpuint (fx.delivered->len, ==, 1);
  g_assert_cmpint (g_array_index (fx.delivered, int, 0), ==, 500);
  g_assert_cmpint (g_atomic_int_get (&fx.freed), ==, 500);
  g_array_unref (fx.delivered);
}

static void
test_closed (void)
{
  Fixture fx = { 0 };
  PierUiRelay *relay;
  Poster p;

  fixture_init (&fx);
  relay = pier_ui_relay_new (FALSE, deliver, &fx, item_free);
  p = (Poster) { relay, &fx, 100 };
  g_thread_join (g_thread_new ("poster", post_all, &p));
  pier_ui_relay_close (relay);
  /* Posted after the close: dropped at once. */
  p.n = 10;
  g_thread_join (g_thread_new ("poster", post_all, &p));
  pier_ui_relay_unref (relay);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (fx.delivered->len, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&fx.freed), ==, 110);
  g_array_unref (fx.delivered);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui-relay/in-order", test_in_order);
  g_test_add_func ("/ui-relay/latest-only", test_latest_only);
  g_test_add_func ("/ui-relay/closed", test_closed);
  return g_test_run ();
}
