#include "test-support.h"

static void
test_layer_unpack_placeholder (void **state)
{
  skip ();
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_layer_unpack_placeholder),
  };
  return cmocka_run_group_tests_name ("layer-unpack", tests, NULL, NULL);
}
