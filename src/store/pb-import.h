/* pb-import.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-store.h"

G_BEGIN_DECLS

#define PB_IMPORT_ERROR (pb_import_error_quark ())

typedef enum
{
  PB_IMPORT_ERROR_INVALID,   /* the file has errors: see pb_import_result_get_issues() */
  PB_IMPORT_ERROR_FORMAT,    /* not a file Paybridge can read */
} PbImportError;

typedef enum
{
  PB_IMPORT_FLAGS_NONE    = 0,
  /* The file is the whole register: employees not in it get status `deleted`. */
  PB_IMPORT_FLAGS_REPLACE = 1 << 0,
} PbImportFlags;

/* One problem found in the file, printed as `FILE:WHERE: field: message`
 * where WHERE is a line number (CSV) or a JSON path such as
 * `$.employees[3].positions[0]`. */
typedef struct
{
  char *where;    /* "hr.csv:4" or "hr.json:$.employees[3]" */
  char *field;    /* (nullable) the field or column */
  char *message;
} PbImportIssue;

typedef struct _PbImportResult PbImportResult;

/**
 * PbImportProgressFunc:
 * @written: records written so far (employees and what they hold, teams...)
 * @fraction: how far the import is, 0 to 1: the part of the file read
 *   (records are written as they are read, so the number of records is not
 *   known before the end), or of the records written when the file had to
 *   be read whole first
 *
 * How far an import started with pb_import_gfile_async() has got, called
 * on the caller's main context while its worker writes (a few times a
 * second at most, and once with @fraction 1 when the last is written).
 * The JSON guard's pass over the file comes first and reports nothing.
 */
typedef void (*PbImportProgressFunc) (guint    written,
                                      double   fraction,
                                      gpointer user_data);

GQuark         pb_import_error_quark        (void);

gboolean       pb_import_file               (PbStore          *store,
                                             const char       *path,
                                             PbImportFlags     flags,
                                             PbImportResult  **result,
                                             GError          **error);
void           pb_import_file_async         (PbStore             *store,
                                             const char          *path,
                                             PbImportFlags        flags,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void           pb_import_gfile_async        (PbStore              *store,
                                             GFile                *file,
                                             PbImportFlags         flags,
                                             PbImportProgressFunc  progress,
                                             gpointer              progress_data,
                                             GDestroyNotify        progress_data_free,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean       pb_import_file_finish        (PbStore          *store,
                                             GAsyncResult     *result,
                                             PbImportResult  **result_out,
                                             GError          **error);
gboolean       pb_import_data               (PbStore          *store,
                                             const char       *display_name,
                                             const char       *data,
                                             gsize             length,
                                             gboolean          is_csv,
                                             PbImportFlags     flags,
                                             PbImportResult  **result,
                                             GError          **error);

gboolean       pb_import_set_fields         (PbStore            *store,
                                             const char         *email,
                                             const char * const *names,
                                             const char * const *values,
                                             PbImportResult    **result,
                                             GError            **error);

GPtrArray     *pb_import_result_get_issues  (PbImportResult   *result);
guint          pb_import_result_get_count   (PbImportResult   *result,
                                             PbEntity          entity,
                                             PbChangeOp        op);
char          *pb_import_result_summary     (PbImportResult   *result);
void           pb_import_result_free        (PbImportResult   *result);
char          *pb_import_issue_format       (const PbImportIssue *issue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbImportResult, pb_import_result_free)

G_END_DECLS
