# driver.py prepare|run TEST STATE: the unionmount-testsuite's TEST
# against unionenv.  prepare (outside the union): the suite's own set_up
# of the lower, and the upper layer as its mount_union makes it, minus
# the mount; the test context saved to STATE.  run (inside the union,
# mounted at the suite's mount point): the context read back, the mount's
# st_dev notes taken as mount_union takes them, then TEST's subtests in
# file order, as the suite's run does.
import os, sys, pickle, types, inspect
from settings import config
from context import test_context
from set_up import set_up
from tool_box import TestError

def make_config():
    cfg = config("run")
    cfg.set_testing_overlayfs()
    cfg.set_maxfs(-1)              # --samefs: the layers share one filesystem
    cfg.add_mntopt("redirect_dir=on")  # directory renames are served (as --fuse)
    return cfg

mode, test, state = sys.argv[1:4]
if mode == "prepare":
    cfg = make_config()
    ctx = test_context(cfg, False, False, False, 0)
    set_up(ctx)
    layer = cfg.upper_mntroot() + "/" + ctx.curr_layer()
    os.mkdir(layer)
    os.mkdir(layer + "/u")
    os.mkdir(layer + "/w")
    with open(layer + "/u/f", "w") as f:
        f.write("pure")
    with open(state, "wb") as f:
        pickle.dump(ctx, f)
    print(cfg.lower_mntroot(), layer + "/u", layer + "/w", cfg.union_mntroot())
    sys.exit(0)

with open(state, "rb") as f:
    ctx = pickle.load(f)
cfg = ctx.config()
layer = cfg.upper_mntroot() + "/" + ctx.curr_layer()
ctx.note_upper_fs(cfg.upper_mntroot(), cfg.testdir(), cfg.union_mntroot() + "/f")
ctx.note_lower_layers(cfg.lower_mntroot())
ctx.note_upper_layer(layer + "/u")
script = __import__("tests." + test, globals(), locals(), ['subtests'])
subtests = []
for name in dir(script):
    fn = getattr(script, name)
    if name.startswith("subtest_") and type(fn) == types.FunctionType:
        subtests.append((inspect.getsourcelines(fn)[1], inspect.getfile(fn), fn.__doc__, fn))
try:
    for (line, f, doc, fn) in sorted(subtests, key=lambda s: s[0]):
        ctx.begin_test(f, line, doc)
        fn(ctx)
except TestError as te:
    print("FAIL:", te)
    sys.exit(1)
print("PASS")
