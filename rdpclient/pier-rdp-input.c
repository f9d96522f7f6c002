/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-input-private.h"

#include "pier-rdp-clipboard-private.h"

static UINT16
wheel_flags (UINT16 axis, int rotation)
{
  /* The rotation is a 9-bit two's complement value whose sign bit is
   * PTR_FLAGS_WHEEL_NEGATIVE. */
  return axis | ((UINT16) rotation & 0x1FF);
}

static void
send_wheel (rdpInput *input, UINT16 axis, int rotation, int x, int y)
{
  while (rotation != 0)
    {
      int step = CLAMP (rotation, -255, 255);

      freerdp_input_send_mouse_event (input, wheel_flags (axis, step), (UINT16) x, (UINT16) y);
      rotation -= step;
    }
}

static void
send_button (rdpInput *input, const PierRdpCommand *command)
{
  static const UINT16 flags[] = {
    [PIER_RDP_BUTTON_LEFT] = PTR_FLAGS_BUTTON1,
    [PIER_RDP_BUTTON_MIDDLE] = PTR_FLAGS_BUTTON3,
    [PIER_RDP_BUTTON_RIGHT] = PTR_FLAGS_BUTTON2,
    [PIER_RDP_BUTTON_EXTRA1] = PTR_XFLAGS_BUTTON1,
    [PIER_RDP_BUTTON_EXTRA2] = PTR_XFLAGS_BUTTON2,
  };
  UINT16 x = (UINT16) command->x, y = (UINT16) command->y;

  if (command->code >= G_N_ELEMENTS (flags))
    return;
  if (command->code >= PIER_RDP_BUTTON_EXTRA1)
    freerdp_input_send_extended_mouse_event (
        input, flags[command->code] | (command->down ? PTR_XFLAGS_DOWN : 0), x, y);
  else
    freerdp_input_send_mouse_event (input,
                                    flags[command->code] | (command->down ? PTR_FLAGS_DOWN : 0),
                                    x, y);
}

static void
send_desktop_size (PierRdpContext *pctx, int width, int height)
{
  DISPLAY_CONTROL_MONITOR_LAYOUT layout = {
    .Flags = DISPLAY_CONTROL_MONITOR_PRIMARY,
    .Width = (UINT32) width,
    .Height = (UINT32) height,
    .Orientation = ORIENTATION_LANDSCAPE,
    .DesktopScaleFactor = 100,
    .DeviceScaleFactor = 100,
  };

  pctx->disp->SendMonitorLayout (pctx->disp, 1, &layout);
}

/* RDP thread: carries out what the main thread queued. */
void
pier_rdp_input_run_commands (PierRdpSession *self, PierRdpContext *pctx)
{
  rdpInput *input = pctx->common.context.input;
  GQueue commands;
  PierRdpCommand *command;
  int width = 0, height = 0;

  g_mutex_lock (&self->lock);
  ResetEvent (self->wakeup);
  commands = self->commands;
  g_queue_init (&self->commands);
  if (self->disp_ready && self->wanted_width > 0)
    {
      width = self->wanted_width;
      height = self->wanted_height;
      self->wanted_width = self->wanted_height = 0;
    }
  g_mutex_unlock (&self->lock);

  if (width > 0)
    send_desktop_size (pctx, width, height);

  while ((command = g_queue_pop_head (&commands)) != NULL)
    {
      switch (command->type)
        {
        case PIER_RDP_COMMAND_KEY:
          freerdp_input_send_keyboard_event_ex (input, command->down, command->repeat,
                                                command->code);
          break;
        case PIER_RDP_COMMAND_FOCUS_IN:
          freerdp_input_send_focus_in_event (input, (UINT16) command->code);
          break;
        case PIER_RDP_COMMAND_MOTION:
          freerdp_input_send_mouse_event (input, PTR_FLAGS_MOVE, (UINT16) command->x,
                                          (UINT16) command->y);
          break;
        case PIER_RDP_COMMAND_BUTTON:
          send_button (input, command);
          break;
        case PIER_RDP_COMMAND_WHEEL:
          send_wheel (input, PTR_FLAGS_WHEEL, command->wheel_v, command->x, command->y);
          send_wheel (input, PTR_FLAGS_HWHEEL, command->wheel_h, command->x, command->y);
          break;
        case PIER_RDP_COMMAND_ANNOUNCE_CLIPBOARD:
          pier_rdp_clipboard_announce (pctx);
          break;
        }
      g_free (command);
    }
}
