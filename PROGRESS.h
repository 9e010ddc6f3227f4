11:38 start
11:43 panel html/css/js written; DashboardIT test 7 added (refunds route, 30 DL, redrive all); running IT
11:45 first run: tests 1-6 pass, 7 failed on stale redrive row (table rebuilt each poll) -> rows updated in place; rerunning. README panel text + tests row done
11:47 committed (2 commits), all 7 DashboardIT pass; rerun for screenshot scroll tweak
11:50 3 commits; DashboardIT 7/7 pass (3 runs in a row for test 7). Done.
