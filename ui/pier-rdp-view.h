/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-rdp-session.h"

G_BEGIN_DECLS

/* Shows a PierRdpSession and feeds it keyboard, mouse and clipboard. The remote desktop is drawn
 * 1:1 (and follows the view's size through the server's Display Control channel) or, with
 * scale-to-fit, scaled into the view keeping its aspect. Goes fullscreen with its window. */

#define PIER_TYPE_RDP_VIEW (pier_rdp_view_get_type ())
G_DECLARE_FINAL_TYPE (PierRdpView, pier_rdp_view, PIER, RDP_VIEW, GtkWidget)

GtkWidget *pier_rdp_view_new (PierRdpSession *session);

PierRdpSession *pier_rdp_view_get_session (PierRdpView *self);

/* FALSE (the default): one remote pixel per device pixel, and the remote desktop is asked to
 * take the view's size. TRUE: the remote desktop keeps its size and is scaled to fit,
 * letterboxed. */
void pier_rdp_view_set_scale_to_fit (PierRdpView *self, gboolean scale_to_fit);

/* Frames drawn so far (the "frames-drawn" property, notified on each). */
guint64 pier_rdp_view_get_frames_drawn (PierRdpView *self);

G_END_DECLS
