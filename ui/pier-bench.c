/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-bench.h"

#include "pier-container-page.h"
#include "pier-containers-view.h"
#include "pier-processes-view.h"

#include <stdlib.h>

typedef struct {
  PierWindow *window;
  PierProcessesView *view;
  gint64 started;
  gint64 refreshed; /* the refresh's own time, before the frame */
  guint left;
} BenchRefresh;

static void
bench_refresh_painted (GdkFrameClock *clock, BenchRefresh *bench)
{
  if (bench->started == 0)
    return;
  g_print ("pier-bench processes-refresh %" G_GINT64_FORMAT " refreshed=%" G_GINT64_FORMAT " rows=%u\n",
           g_get_monotonic_time () - bench->started, bench->refreshed,
           g_list_model_get_n_items (G_LIST_MODEL (pier_processes_view_get_selection (bench->view))));
  bench->started = 0;
  if (--bench->left == 0)
    {
      g_signal_handlers_disconnect_by_data (clock, bench);
      g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (bench->window))));
      return;
    }
  pier_processes_view_refresh (bench->view);
}

static void
bench_refreshed (PierProcessesView *view, gint64 usec, BenchRefresh *bench)
{
  bench->started = g_get_monotonic_time () - usec;
  bench->refreshed = usec;
  /* Identical rows change nothing on screen; the frame is what is measured, so ask for it. */
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

static void
bench_open_processes (PierWindow *self, GdkFrameClock *clock, const char *id)
{
  const char *count = g_getenv ("PIER_BENCH_REFRESHES");
  GtkWidget *page = pier_window_open_container (self, id, "processes");
  BenchRefresh *bench = g_new0 (BenchRefresh, 1);

  bench->window = self;
  bench->view = pier_container_page_get_processes_view (PIER_CONTAINER_PAGE (page));
  bench->left = count != NULL && atoi (count) > 0 ? (guint) atoi (count) : 30;
  g_object_set_data_full (G_OBJECT (self), "pier-bench-refresh", bench, g_free);
  g_signal_connect (bench->view, "refreshed", G_CALLBACK (bench_refreshed), bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (bench_refresh_painted), bench);
}

static void
bench_after_paint (GdkFrameClock *clock, PierWindow *self)
{
  static gboolean first_frame_done;
  PierModel *model = pier_window_get_model (self);
  PierContainersView *containers = PIER_CONTAINERS_VIEW (pier_window_get_view (self, "containers"));
  guint n = g_list_model_get_n_items (pier_model_get_containers (model));

  if (!first_frame_done)
    {
      first_frame_done = TRUE;
      g_print ("pier-bench first-frame %" G_GINT64_FORMAT "\n", g_get_real_time ());
    }
  /* PIER_BENCH_CONNECTION: the list of that connection, once the window has switched to it. */
  if ((g_getenv ("PIER_BENCH_CONNECTION") == NULL ||
       g_strcmp0 (pier_window_get_connection (self), g_getenv ("PIER_BENCH_CONNECTION")) == 0) &&
      pier_model_get_loaded (model) &&
      gtk_widget_get_mapped (GTK_WIDGET (containers)) &&
      (n == 0 || pier_containers_view_get_listed (containers)))
    {
      g_print ("pier-bench populated %" G_GINT64_FORMAT " containers=%u\n", g_get_real_time (), n);
      g_signal_handlers_disconnect_by_func (clock, bench_after_paint, self);
      if (g_getenv ("PIER_BENCH_PROCESSES") != NULL)
        bench_open_processes (self, clock, g_getenv ("PIER_BENCH_PROCESSES"));
    }
}

/* When the window turns to another connection: what it takes to list that one's containers
 * is measured from here. */
static void
bench_switched (GActionGroup *group, const char *action, GVariant *state, gpointer data)
{
  g_print ("pier-bench switched %" G_GINT64_FORMAT " %s\n", g_get_real_time (),
           g_variant_get_string (state, NULL));
}

static void
bench_realized (PierWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_signal_connect (self, "action-state-changed::connection", G_CALLBACK (bench_switched), NULL);

  g_signal_connect_object (clock, "after-paint", G_CALLBACK (bench_after_paint), self, 0);
}

void
pier_bench_attach (PierWindow *window)
{
  g_signal_connect (window, "realize", G_CALLBACK (bench_realized), NULL);
}
