/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xdamage-frames WINDOW SECONDS: how many frames an X client drew into WINDOW (an X window id,
 * any base strtoul takes) during SECONDS, counted the same way for any client: the X server's
 * DAMAGE extension reports the window becoming damaged, and damage arriving within 3 ms of the
 * previous report belongs to the same frame (a client may put one frame up in several
 * requests). Prints the count. Used by bench-gui.sh to compare Pier's RDP view with xfreerdp3. */
#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SAME_FRAME_MS 3

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int
main (int argc, char **argv)
{
  Display *display;
  Window window;
  Damage damage;
  int event_base, error_base;
  double end, last_damage = -1;
  unsigned long frames = 0;

  if (argc != 3)
    {
      fprintf (stderr, "usage: xdamage-frames WINDOW SECONDS\n");
      return 2;
    }
  display = XOpenDisplay (NULL);
  if (display == NULL || !XDamageQueryExtension (display, &event_base, &error_base))
    {
      fprintf (stderr, "xdamage-frames: no X display with the DAMAGE extension\n");
      return 1;
    }
  window = (Window) strtoul (argv[1], NULL, 0);
  damage = XDamageCreate (display, window, XDamageReportNonEmpty);
  end = now_ms () + atof (argv[2]) * 1000.0;

  while (now_ms () < end)
    {
      struct pollfd pfd = { .fd = ConnectionNumber (display), .events = POLLIN };

      if (XPending (display) == 0)
        {
          poll (&pfd, 1, 10);
          continue;
        }
      while (XPending (display) > 0)
        {
          XEvent event;

          XNextEvent (display, &event);
          if (event.type == event_base + XDamageNotify)
            {
              double t = now_ms ();

              if (last_damage < 0 || t - last_damage > SAME_FRAME_MS)
                frames++;
              last_damage = t;
              /* Empty again, so that the next drawing reports anew. */
              XDamageSubtract (display, damage, None, None);
            }
        }
    }
  printf ("%lu\n", frames);
  XDamageDestroy (display, damage);
  XCloseDisplay (display);
  return 0;
}
