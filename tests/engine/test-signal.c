/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Signal names and numbers as Docker takes them, for STOPSIGNAL, kill --signal and the
 * runtime. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-signal.h"

#include <signal.h>
#include <string.h>

static void
test_signal_names_and_numbers (void **state)
{
  static const struct { const char *text; int number; } good[] = {
    { "SIGTERM", SIGTERM }, { "TERM", SIGTERM }, { "term", SIGTERM }, { "SigKill", SIGKILL },
    { "15", 15 }, { "1", 1 }, { "31", 31 }, { "34", 34 }, { "64", 64 },
    { "SIGCLD", SIGCHLD }, { "IOT", SIGABRT }, { "POLL", SIGIO }, { "STKFLT", SIGSTKFLT },
    { "SIGRTMIN", 34 }, { "RTMIN+1", 35 }, { "sigrtmin+15", 49 }, { "RTMAX-14", 50 },
    { "SIGRTMAX-1", 63 }, { "RTMAX", 64 }, { "SIGWINCH", SIGWINCH }, { "PWR", SIGPWR },
  };
  static const char *const bad[] = {
    "", "SIG", "SIGFOO", "0", "-1", "+9", "32", "33", "65", "1e1", " 9", "9 ", "SIG15",
    "RTMIN+16", "RTMIN+0", "RTMIN-1", "RTMAX-15", "RTMAX+1", "RTMIN+", "RTMINX", "SIGTERMX",
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      int number = 0;

      if (!pier_signal_parse (good[i].text, &number, &error))
        fail_msg ("“%s” refused: %s", good[i].text, error->message);
      if (number != good[i].number)
        fail_msg ("“%s” is %d, expected %d", good[i].text, number, good[i].number);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *named = g_strdup_printf ("“%s”", bad[i]);
      int number = 0;

      if (pier_signal_parse (bad[i], &number, &error))
        fail_msg ("“%s” accepted as %d", bad[i], number);
      pier_assert_error (error, PIER_ERROR_INVALID);
      assert_non_null (strstr (error->message, named));
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_signal_names_and_numbers),
  };
  return cmocka_run_group_tests_name ("signal", tests, NULL, NULL);
}
