#ifndef UE_TESTS_H
#define UE_TESTS_H
void test_path(void);
void test_config(void);
void test_lookup(void);
void test_redirect(void);
void test_resolve(void);
void test_readdir(void);
void test_ops(void);
void test_cache(void);
void test_origin(void);
void test_renames(void);
void test_forms(void);
void test_perm(void);
void test_override(void);
void test_followable(void);
void test_tmpentry(void);
#endif
