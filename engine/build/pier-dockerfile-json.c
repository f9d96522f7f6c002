/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dockerfile-private.h"

#include <jansson.h>
#include <string.h>

/* JSON strings must be UTF-8; a Dockerfile need not be. Invalid bytes become U+FFFD so that
 * --check can still show the rest. */
static json_t *
text (const char *s, gsize length)
{
  g_autofree char *valid = NULL;

  if (s == NULL)
    return json_null ();
  if (g_utf8_validate_len (s, length, NULL))
    return json_stringn (s, length);
  valid = g_utf8_make_valid (s, length);
  return json_string (valid);
}

static json_t *
text_or_null (const char *s)
{
  return text (s, s != NULL ? strlen (s) : 0);
}

static json_t *
instruction_to_json (const PierInstruction *insn)
{
  json_t *obj = json_object ();
  json_t *flags = json_array ();
  json_t *args = json_array ();
  json_t *heredocs = json_array ();

  json_object_set_new (obj, "line", json_integer (insn->line));
  json_object_set_new (obj, "end_line", json_integer (insn->end_line));
  json_object_set_new (obj, "instruction", text_or_null (insn->keyword));
  for (guint i = 0; i < insn->n_flags; i++)
    {
      const PierInstructionFlag *f = &insn->flags[i];

      json_array_append_new (flags, json_pack ("{s:o, s:o}", "name",
                                               text_or_null (f->name), "value",
                                               text_or_null (f->value)));
    }
  json_object_set_new (obj, "flags", flags);
  for (guint i = 0; i < insn->n_args; i++)
    json_array_append_new (args, text (insn->args[i], insn->arg_lengths[i]));
  json_object_set_new (obj, "arguments", args);
  json_object_set_new (obj, "json", json_boolean (insn->json_form));
  for (guint i = 0; i < insn->n_heredocs; i++)
    {
      const PierHeredoc *h = &insn->heredocs[i];

      json_array_append_new (heredocs,
                             json_pack ("{s:o, s:i, s:b, s:b, s:o}", "name",
                                        text_or_null (h->name), "fd", (int) h->fd,
                                        "expand", h->expand, "chomp", h->chomp, "content",
                                        text_or_null (h->content)));
    }
  json_object_set_new (obj, "heredocs", heredocs);
  if (insn->onbuild != NULL)
    json_object_set_new (obj, "onbuild", instruction_to_json (insn->onbuild));
  return obj;
}

char *
pier_dockerfile_to_json (const PierDockerfile *df)
{
  json_t *root = json_object ();
  json_t *stages = json_array ();
  json_t *instructions = json_array ();
  char escape[2] = { df->escape, '\0' };
  char *dump, *result;

  json_object_set_new (root, "escape", json_string (escape));
  json_object_set_new (root, "syntax", text_or_null (df->syntax));
  json_object_set_new (root, "check", text_or_null (df->check));
  for (guint i = 0; i < df->n_stages; i++)
    {
      const PierDockerfileStage *s = &df->stages[i];

      json_array_append_new (stages,
                             json_pack ("{s:i, s:o, s:o, s:o, s:i}", "index", (int) s->index,
                                        "name", text_or_null (s->name),
                                        "base", text_or_null (s->base),
                                        "platform", text_or_null (s->platform),
                                        "line", (int) df->instructions[s->from]->line));
    }
  json_object_set_new (root, "stages", stages);
  for (guint i = 0; i < df->n_instructions; i++)
    json_array_append_new (instructions, instruction_to_json (df->instructions[i]));
  json_object_set_new (root, "instructions", instructions);
  dump = json_dumps (root, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (root);
  /* Hand back GLib-allocated memory, as everything else in the engine does. */
  result = g_strconcat (dump, "\n", NULL);
  free (dump);
  return result;
}
