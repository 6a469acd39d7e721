/* pb-sandbox-tripletex-schema.c: Tripletex's object shapes
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <string.h>

#include "pb-sandbox-tripletex.h"

/* Transcribed from the published specs in tests/contract/specs/:
 * tripletex-openapi.json (OpenAPI 3.0.1, API 2.72.00): components.schemas.X
 * .properties, in their order, with readOnly and enum; and
 * tripletex-swagger2-2.71.19.json: definitions.X.required (OpenAPI 3 lost
 * those lists). Dates are plain strings in the spec; the TX_DATE kind marks
 * the ones the API reads as "YYYY-MM-DD". Objects the sandbox does not keep
 * (projects, divisions...) list only id, version, changes and url: they are
 * only ever written as references.
 *
 * To check the tables against a newer spec, compare each list with
 *   python3 -c 'import json; s = json.load(open("tests/contract/specs/tripletex-openapi.json"));
 *               print(list(s["components"]["schemas"]["Employee"]["properties"]))'
 */

static const char * const user_type_values[] = {
  "STANDARD", "EXTENDED", "NO_ACCESS", NULL
};

static const char * const employment_end_reason_values[] = {
  "EMPLOYMENT_END_EXPIRED", "EMPLOYMENT_END_EMPLOYEE", "EMPLOYMENT_END_EMPLOYER",
  "EMPLOYMENT_END_WRONGLY_REPORTED", "EMPLOYMENT_END_SYSTEM_OR_ACCOUNTANT_CHANGE",
  "EMPLOYMENT_END_INTERNAL_CHANGE", NULL
};

static const char * const tax_deduction_code_values[] = {
  "loennFraHovedarbeidsgiver", "loennFraBiarbeidsgiver", "pensjon",
  "loennTilUtenrikstjenestemann", "loennKunTrygdeavgiftTilUtenlandskBorger",
  "loennKunTrygdeavgiftTilUtenlandskBorgerSomGrensegjenger", "introduksjonsstoenad",
  "ufoereytelserFraAndre", "", NULL
};

static const char * const employment_type_values[] = {
  "ORDINARY", "MARITIME", "FREELANCE", "NOT_CHOSEN", NULL
};

static const char * const employment_form_values[] = {
  "PERMANENT", "TEMPORARY", "PERMANENT_AND_HIRED_OUT", "TEMPORARY_AND_HIRED_OUT",
  "TEMPORARY_ON_CALL", "NOT_CHOSEN", NULL
};

static const char * const remuneration_type_values[] = {
  "MONTHLY_WAGE", "HOURLY_WAGE", "COMMISION_PERCENTAGE", "FEE", "NOT_CHOSEN",
  "PIECEWORTX_WAGE", NULL
};

static const char * const working_hours_scheme_values[] = {
  "NOT_SHIFT", "ROUND_THE_CLOCK", "SHIFT_365", "OFFSHORE_336", "CONTINUOUS",
  "OTHER_SHIFT", "NOT_CHOSEN", NULL
};

static const char * const activity_type_values[] = {
  "GENERAL_ACTIVITY", "PROJECT_GENERAL_ACTIVITY", "PROJECT_SPECIFIC_ACTIVITY", "TASK",
  NULL
};

static const char * const company_type_values[] = {
  "NONE", "ENK", "AS", "NUF", "ANS", "DA", "PRE", "KS", "ASA", "BBL", "BRL", "GFS",
  "SPA", "SF", "IKS", "KF_FKF", "FCD", "EOFG", "BA", "STI", "ORG", "ESEK", "SA", "SAM",
  "BO", "VPFO", "OS", "FLI", "Other", NULL
};

static const char * const company_migration_values[] = {
  "NONE", "AGRO", NULL
};

static const char * const int_amelding_type_values[] = {
  "PASSPORT_NO", "NATIONAL_INSURANCE_NO", "TAX_IDENTIFICATION_NO",
  "VALUE_ADDED_TAX_IDENTIFICATION_NO", NULL
};

static const char * const ship_register_values[] = {
  "NIS", "NOR", "FOREIGN", NULL
};

static const char * const ship_type_values[] = {
  "OTHER", "DRILLING_PLATFORM", "TOURIST", NULL
};

static const char * const trade_area_values[] = {
  "DOMESTIC", "FOREIGN", NULL
};

static const char * const change_type_values[] = {
  "CREATE", "UPDATE", "DELETE", "LOCKED", "REOPENED", "DO_NOT_SHOW", NULL
};

static const TxProp employee_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "firstName",                      TX_STR,     0,     TX_T_NONE,                  NULL },
  { "lastName",                       TX_STR,     0,     TX_T_NONE,                  NULL },
  { "displayName",                    TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "employeeNumber",                 TX_STR,     0,     TX_T_NONE,                  NULL },
  { "dateOfBirth",                    TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "email",                          TX_STR,     0,     TX_T_NONE,                  NULL },
  { "phoneNumberMobileCountry",       TX_REF,     0,     TX_T_COUNTRY,               NULL },
  { "phoneNumberMobile",              TX_STR,     0,     TX_T_NONE,                  NULL },
  { "phoneNumberHome",                TX_STR,     0,     TX_T_NONE,                  NULL },
  { "phoneNumberWork",                TX_STR,     0,     TX_T_NONE,                  NULL },
  { "nationalIdentityNumber",         TX_STR,     0,     TX_T_NONE,                  NULL },
  { "dnumber",                        TX_STR,     0,     TX_T_NONE,                  NULL },
  { "internationalId",                TX_OBJ,     0,     TX_T_INTERNATIONAL_ID,      NULL },
  { "bankAccountNumber",              TX_STR,     0,     TX_T_NONE,                  NULL },
  { "iban",                           TX_STR,     0,     TX_T_NONE,                  NULL },
  { "bic",                            TX_STR,     0,     TX_T_NONE,                  NULL },
  { "creditorBankCountryId",          TX_INT,     0,     TX_T_NONE,                  NULL },
  { "usesAbroadPayment",              TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "userType",                       TX_ENUM,    0,     TX_T_NONE,                  user_type_values },
  { "allowInformationRegistration",   TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "isContact",                      TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "isProxy",                        TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "comments",                       TX_STR,     0,     TX_T_NONE,                  NULL },
  { "address",                        TX_REF,     0,     TX_T_ADDRESS,               NULL },
  { "department",                     TX_REF,     0,     TX_T_DEPARTMENT,            NULL },
  { "employments",                    TX_REFS,    0,     TX_T_EMPLOYMENT,            NULL },
  { "holidayAllowanceEarned",         TX_OBJ,     0,     TX_T_HOLIDAY_ALLOWANCE_EARNED, NULL },
  { "employeeCategory",               TX_REF,     0,     TX_T_EMPLOYEE_CATEGORY,     NULL },
  { "isAuthProjectOverviewURL",       TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "pictureId",                      TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { "companyId",                      TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp employment_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "employee",                       TX_REF,     0,     TX_T_EMPLOYEE,              NULL },
  { "employmentId",                   TX_STR,     0,     TX_T_NONE,                  NULL },
  { "startDate",                      TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "endDate",                        TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "employmentEndReason",            TX_ENUM,    0,     TX_T_NONE,                  employment_end_reason_values },
  { "division",                       TX_REF,     0,     TX_T_DIVISION,              NULL },
  { "lastSalaryChangeDate",           TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "noEmploymentRelationship",       TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "isMainEmployer",                 TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "taxDeductionCode",               TX_ENUM,    0,     TX_T_NONE,                  tax_deduction_code_values },
  { "employmentDetails",              TX_REFS,    0,     TX_T_EMPLOYMENT_DETAILS,    NULL },
  { "isRemoveAccessAtEmploymentEnded", TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "latestSalary",                   TX_REF,     0,     TX_T_EMPLOYMENT_DETAILS,    NULL },
  { NULL }
};

static const TxProp employment_details_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "employment",                     TX_REF,     0,     TX_T_EMPLOYMENT,            NULL },
  { "date",                           TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "employmentType",                 TX_ENUM,    0,     TX_T_NONE,                  employment_type_values },
  { "employmentForm",                 TX_ENUM,    0,     TX_T_NONE,                  employment_form_values },
  { "maritimeEmployment",             TX_OBJ,     0,     TX_T_MARITIME_EMPLOYMENT,   NULL },
  { "remunerationType",               TX_ENUM,    0,     TX_T_NONE,                  remuneration_type_values },
  { "workingHoursScheme",             TX_ENUM,    0,     TX_T_NONE,                  working_hours_scheme_values },
  { "shiftDurationHours",             TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "occupationCode",                 TX_REF,     0,     TX_T_OCCUPATION_CODE,       NULL },
  { "percentageOfFullTimeEquivalent", TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "annualSalary",                   TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "hourlyWage",                     TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "payrollTaxMunicipalityId",       TX_REF,     0,     TX_T_MUNICIPALITY,          NULL },
  { "monthlySalary",                  TX_NUM,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp timesheet_entry_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "project",                        TX_REF,     0,     TX_T_PROJECT,               NULL },
  { "activity",                       TX_REF,     0,     TX_T_ACTIVITY,              NULL },
  { "date",                           TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "hours",                          TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "chargeableHours",                TX_NUM,     TX_RO, TX_T_NONE,                  NULL },
  { "employee",                       TX_REF,     0,     TX_T_EMPLOYEE,              NULL },
  { "timeClocks",                     TX_REFS,    TX_RO, TX_T_TIME_CLOCK,            NULL },
  { "comment",                        TX_STR,     0,     TX_T_NONE,                  NULL },
  { "locked",                         TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "chargeable",                     TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "invoice",                        TX_REF,     0,     TX_T_INVOICE,               NULL },
  { "hourlyRate",                     TX_NUM,     TX_RO, TX_T_NONE,                  NULL },
  { "hourlyCost",                     TX_NUM,     TX_RO, TX_T_NONE,                  NULL },
  { "hourlyCostPercentage",           TX_NUM,     TX_RO, TX_T_NONE,                  NULL },
  { "projectChargeableHours",         TX_NUM,     0,     TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp activity_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "name",                           TX_STR,     0,     TX_T_NONE,                  NULL },
  { "number",                         TX_STR,     0,     TX_T_NONE,                  NULL },
  { "description",                    TX_STR,     0,     TX_T_NONE,                  NULL },
  { "activityType",                   TX_ENUM,    0,     TX_T_NONE,                  activity_type_values },
  { "isProjectActivity",              TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "isGeneral",                      TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "isTask",                         TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "isDisabled",                     TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "isChargeable",                   TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "rate",                           TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "costPercentage",                 TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "displayName",                    TX_STR,     0,     TX_T_NONE,                  NULL },
  { "deletable",                      TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp department_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "name",                           TX_STR,     0,     TX_T_NONE,                  NULL },
  { "departmentNumber",               TX_STR,     0,     TX_T_NONE,                  NULL },
  { "departmentManager",              TX_REF,     0,     TX_T_EMPLOYEE,              NULL },
  { "displayName",                    TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "isInactive",                     TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { "businessActivityTypeId",         TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp country_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "name",                           TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "displayName",                    TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "isoAlpha2Code",                  TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "isoAlpha3Code",                  TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "isoNumericCode",                 TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp currency_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "code",                           TX_STR,     0,     TX_T_NONE,                  NULL },
  { "description",                    TX_STR,     0,     TX_T_NONE,                  NULL },
  { "factor",                         TX_INT,     0,     TX_T_NONE,                  NULL },
  { "displayName",                    TX_STR,     0,     TX_T_NONE,                  NULL },
  { "isDisabled",                     TX_BOOL,    0,     TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp company_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "name",                           TX_STR,     0,     TX_T_NONE,                  NULL },
  { "displayName",                    TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "startDate",                      TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "endDate",                        TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "organizationNumber",             TX_STR,     0,     TX_T_NONE,                  NULL },
  { "email",                          TX_STR,     0,     TX_T_NONE,                  NULL },
  { "phoneNumber",                    TX_STR,     0,     TX_T_NONE,                  NULL },
  { "phoneNumberMobile",              TX_STR,     0,     TX_T_NONE,                  NULL },
  { "faxNumber",                      TX_STR,     0,     TX_T_NONE,                  NULL },
  { "address",                        TX_REF,     0,     TX_T_ADDRESS,               NULL },
  { "type",                           TX_ENUM,    0,     TX_T_NONE,                  company_type_values },
  { "currency",                       TX_REF,     0,     TX_T_CURRENCY,              NULL },
  { "accountantOrSimilar",            TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "companyMigration",               TX_ENUM,    TX_RO, TX_T_NONE,                  company_migration_values },
  { "invoiceShowDeliveryDate",        TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp company_standard_time_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "company",                        TX_REF,     0,     TX_T_COMPANY,               NULL },
  { "fromDate",                       TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "hoursPerDay",                    TX_NUM,     0,     TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp session_token_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "consumerToken",                  TX_REF,     0,     TX_T_CONSUMER_TOKEN,        NULL },
  { "employeeToken",                  TX_REF,     0,     TX_T_EMPLOYEE_TOKEN,        NULL },
  { "expirationDate",                 TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "token",                          TX_STR,     0,     TX_T_NONE,                  NULL },
  { "encryptionKey",                  TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp logged_in_user_info_props[] = {
  { "employeeId",                     TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { "actualEmployeeId",               TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { "employee",                       TX_REF,     0,     TX_T_EMPLOYEE,              NULL },
  { "companyId",                      TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { "company",                        TX_REF,     0,     TX_T_COMPANY,               NULL },
  { "language",                       TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "loggedInWithConnect",            TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { "employeeIsProxy",                TX_BOOL,    TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp address_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "addressLine1",                   TX_STR,     0,     TX_T_NONE,                  NULL },
  { "addressLine2",                   TX_STR,     0,     TX_T_NONE,                  NULL },
  { "postalCode",                     TX_STR,     0,     TX_T_NONE,                  NULL },
  { "city",                           TX_STR,     0,     TX_T_NONE,                  NULL },
  { "country",                        TX_REF,     0,     TX_T_COUNTRY,               NULL },
  { "displayName",                    TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "addressAsString",                TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "displayNameInklMatrikkel",       TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "knr",                            TX_INT,     0,     TX_T_NONE,                  NULL },
  { "gnr",                            TX_INT,     0,     TX_T_NONE,                  NULL },
  { "bnr",                            TX_INT,     0,     TX_T_NONE,                  NULL },
  { "fnr",                            TX_INT,     0,     TX_T_NONE,                  NULL },
  { "snr",                            TX_INT,     0,     TX_T_NONE,                  NULL },
  { "unitNumber",                     TX_STR,     0,     TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp international_id_props[] = {
  { "intAmeldingType",                TX_ENUM,    0,     TX_T_NONE,                  int_amelding_type_values },
  { "country",                        TX_REF,     0,     TX_T_COUNTRY,               NULL },
  { "number",                         TX_STR,     0,     TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp holiday_allowance_earned_props[] = {
  { "year",                           TX_INT,     0,     TX_T_NONE,                  NULL },
  { "amount",                         TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "basis",                          TX_NUM,     0,     TX_T_NONE,                  NULL },
  { "amountExtraHolidayWeek",         TX_NUM,     0,     TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp maritime_employment_props[] = {
  { "fartoeyId",                      TX_STR,     0,     TX_T_NONE,                  NULL },
  { "paamoenstringsdato",             TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "avmoenstringsdato",              TX_DATE,    0,     TX_T_NONE,                  NULL },
  { "antallTimerPerYrkeskodePerMoenstring", TX_INT,     0,     TX_T_NONE,                  NULL },
  { "shipRegister",                   TX_ENUM,    0,     TX_T_NONE,                  ship_register_values },
  { "shipType",                       TX_ENUM,    0,     TX_T_NONE,                  ship_type_values },
  { "tradeArea",                      TX_ENUM,    0,     TX_T_NONE,                  trade_area_values },
  { NULL }
};

static const TxProp change_props[] = {
  { "employeeId",                     TX_INT,     TX_RO, TX_T_NONE,                  NULL },
  { "timestamp",                      TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { "changeType",                     TX_ENUM,    TX_RO, TX_T_NONE,                  change_type_values },
  { NULL }
};

static const TxProp employee_category_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp division_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp occupation_code_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp municipality_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp project_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp invoice_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp time_clock_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp consumer_token_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const TxProp employee_token_props[] = {
  { "id",                             TX_INT,     0,     TX_T_NONE,                  NULL },
  { "version",                        TX_INT,     0,     TX_T_NONE,                  NULL },
  { "changes",                        TX_CHANGES, TX_RO, TX_T_CHANGE,                NULL },
  { "url",                            TX_STR,     TX_RO, TX_T_NONE,                  NULL },
  { NULL }
};

static const char * const employee_required[] = { "firstName", "lastName", NULL };
static const char * const employment_required[] = { "startDate", NULL };
static const char * const employment_details_required[] = { "percentageOfFullTimeEquivalent", NULL };
static const char * const timesheet_entry_required[] = { "activity", "date", "employee", "hours", NULL };
static const char * const activity_required[] = { "activityType", NULL };
static const char * const department_required[] = { "name", NULL };

static const TxType types[TX_N_TYPES] = {
  [TX_T_NONE] = { NULL },
  [TX_T_EMPLOYEE] = {
    "Employee", "employee", employee_props, employee_required, FALSE
  },
  [TX_T_EMPLOYMENT] = {
    "Employment", "employee/employment", employment_props, employment_required, FALSE
  },
  [TX_T_EMPLOYMENT_DETAILS] = {
    "EmploymentDetails", "employee/employment/details", employment_details_props, employment_details_required, FALSE
  },
  [TX_T_TIMESHEET_ENTRY] = {
    "TimesheetEntry", "timesheet/entry", timesheet_entry_props, timesheet_entry_required, FALSE
  },
  [TX_T_ACTIVITY] = {
    "Activity", "activity", activity_props, activity_required, FALSE
  },
  [TX_T_DEPARTMENT] = {
    "Department", "department", department_props, department_required, FALSE
  },
  [TX_T_COUNTRY] = {
    "Country", "country", country_props, NULL, FALSE
  },
  [TX_T_CURRENCY] = {
    "Currency", "currency", currency_props, NULL, FALSE
  },
  [TX_T_COMPANY] = {
    "Company", "company", company_props, NULL, FALSE
  },
  [TX_T_COMPANY_STANDARD_TIME] = {
    "CompanyStandardTime", "salary/settings/standardTime", company_standard_time_props, NULL, FALSE
  },
  [TX_T_SESSION_TOKEN] = {
    "SessionToken", "token/session", session_token_props, NULL, FALSE
  },
  [TX_T_LOGGED_IN_USER_INFO] = {
    "LoggedInUserInfo", NULL, logged_in_user_info_props, NULL, FALSE
  },
  [TX_T_ADDRESS] = {
    "Address", "address", address_props, NULL, FALSE
  },
  [TX_T_INTERNATIONAL_ID] = {
    "InternationalId", NULL, international_id_props, NULL, FALSE
  },
  [TX_T_HOLIDAY_ALLOWANCE_EARNED] = {
    "HolidayAllowanceEarned", NULL, holiday_allowance_earned_props, NULL, FALSE
  },
  [TX_T_MARITIME_EMPLOYMENT] = {
    "MaritimeEmployment", NULL, maritime_employment_props, NULL, FALSE
  },
  [TX_T_CHANGE] = {
    "Change", NULL, change_props, NULL, FALSE
  },
  [TX_T_EMPLOYEE_CATEGORY] = {
    "EmployeeCategory", "employee/category", employee_category_props, NULL, TRUE
  },
  [TX_T_DIVISION] = {
    "Division", "division", division_props, NULL, TRUE
  },
  [TX_T_OCCUPATION_CODE] = {
    "OccupationCode", "employee/employment/occupationCode", occupation_code_props, NULL, TRUE
  },
  [TX_T_MUNICIPALITY] = {
    "Municipality", "municipality", municipality_props, NULL, TRUE
  },
  [TX_T_PROJECT] = {
    "Project", "project", project_props, NULL, TRUE
  },
  [TX_T_INVOICE] = {
    "Invoice", "invoice", invoice_props, NULL, TRUE
  },
  [TX_T_TIME_CLOCK] = {
    "TimeClock", "timesheet/timeClock", time_clock_props, NULL, TRUE
  },
  [TX_T_CONSUMER_TOKEN] = {
    "ConsumerToken", "token/consumer", consumer_token_props, NULL, TRUE
  },
  [TX_T_EMPLOYEE_TOKEN] = {
    "EmployeeToken", "token/employee", employee_token_props, NULL, TRUE
  },
};

const TxType *
pb_sandbox_tripletex_type (TxTypeId id)
{
  g_return_val_if_fail (id > TX_T_NONE && id < TX_N_TYPES, NULL);

  return &types[id];
}

const TxProp *
pb_sandbox_tripletex_find_prop (const TxType *type,
                                const char   *name)
{
  for (const TxProp *prop = type->props; prop->name != NULL; prop++)
    {
      if (strcmp (prop->name, name) == 0)
        return prop;
    }
  return NULL;
}
