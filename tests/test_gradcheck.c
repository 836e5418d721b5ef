/* test_gradcheck.c — runs every gradient-check case of every op family, and
 * walks the op registry: a differentiable op with no case fails the suite. */
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "test_util.h"

#define VX_GC_TABLE(t) extern const gc_case t[];
#include "gc_tables.h"
#undef VX_GC_TABLE

static const gc_case *const tables[] = {
#define VX_GC_TABLE(t) t,
#include "gc_tables.h"
#undef VX_GC_TABLE
};

static const gc_case *case_at(int index)
{
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const gc_case *c = tables[t]; c->op; c++)
            if (index-- == 0)
                return c;
    return NULL;
}

static int case_count(void)
{
    int n = 0;
    while (case_at(n))
        n++;
    return n;
}

START_TEST(gradient_matches_finite_differences)
{
    const gc_case *c = case_at(_i);
    ck_assert_int_ge(vx_op_lookup(c->op), 0);
    gc_result r = gc_run(c);
    ck_assert_msg(r.ok, "gradcheck %s (%s): %s", c->op, c->desc, r.msg);
}
END_TEST

START_TEST(every_differentiable_op_has_a_gradient_check)
{
    char missing[1024] = "";
    for (int op = 0; op < VX_OP_COUNT; op++) {
        if (!vx_op_table[op].differentiable)
            continue;
        bool found = false;
        for (int i = 0; case_at(i) && !found; i++)
            found = strcmp(case_at(i)->op, vx_op_table[op].name) == 0;
        if (!found)
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s",
                     vx_op_table[op].name);
    }
    ck_assert_msg(missing[0] == '\0', "differentiable ops without a gradient check:%s", missing);
}
END_TEST

START_TEST(every_case_names_a_registered_op)
{
    for (int i = 0; case_at(i); i++)
        ck_assert_msg(vx_op_lookup(case_at(i)->op) >= 0, "case %d names unknown op '%s'", i,
                      case_at(i)->op);
}
END_TEST

Suite *suite_gradcheck(void)
{
    Suite *s = suite_create("gradcheck");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, every_differentiable_op_has_a_gradient_check);
    tcase_add_test(tc, every_case_names_a_registered_op);
    suite_add_tcase(s, tc);
    tc = tcase_create("cases");
    tcase_add_loop_test(tc, gradient_matches_finite_differences, 0, case_count());
    suite_add_tcase(s, tc);
    return s;
}
