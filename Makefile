# The lab's commands. `make help` lists them.
# BEGIN STAFF
#
# The students' handout gets this Makefile without the staff lines: `make handout` drops every
# line from `# BEGIN STAFF` to `# END STAFF` (both included), and turns every `# HANDOUT:<line>`
# into `<line>` (one space after the colon is dropped; a recipe line keeps its tab:
# `# HANDOUT:<tab>@echo ...`). Here, make reads those lines as comments. Blocks do not nest, and
# no `# HANDOUT:` line may stand inside one (grading/src/authoring/staff_lines.rs).
# END STAFF

CARGO ?= cargo
# `make test T=name` runs only the tests whose name contains `name`, with their output shown
# (labreport's `lab-test`): it says so, naming the closest names, when none does.
T ?=
# `make test S=suite` runs only that test file (scripts/test-suite.sh); several: S='a b' or S=a,b.
S ?=
# `make explore T=name` runs that one test simulated under RUNS seeds (labreport's `lab-explore`),
# from base seed SEED (random when empty), on JOBS test processes (the cores when empty).
RUNS ?= 100
SEED ?=
JOBS ?=

.PHONY: help test test-sim explore grade fmt lint tools
# BEGIN STAFF
.PHONY: mutants handout bench bench-ab gradescope-check
# END STAFF

help:
	@echo "make test            fmt check, clippy (-D warnings) and every test in the workspace"
	@echo "make test T=name     only the tests whose name contains 'name' (a test's name, not its file's:"
	@echo "                     see S), output shown, then how many matched and passed; if none matches,"
	@echo "                     the closest names"
	@echo "make test S=suite    only the tests of one file: S=viewservice is tests/tests/viewservice.rs,"
	@echo "                     S=labrpc:kill is labrpc/tests/kill.rs; several: S='a b' or S=a,b; with T,"
	@echo "                     only their tests whose name contains T; an unknown name (S=?) lists them all"
# BEGIN STAFF
	@echo "make grade           grade the reference as a submission: the DSLabs-style score table"
	@echo "make grade SUB=dir   grade a submission (a folder holding viewservice/src and pbservice/src)"
# END STAFF
# HANDOUT:	@echo "make grade           grade your code as the course does: every graded test in its own process,"
# HANDOUT:	@echo "                     then the score table"
	@echo "                     GRADE_FLAGS='--runs 3 --jobs 4 --json r.json' passes options (grade --help)"
	@echo "make test-sim        the graded suites simulated (virtual time, one seeded schedule); T=name"
	@echo "                     runs the tests whose name contains 'name'; LAB_SEED=N replays a run exactly"
	@echo "make explore T=name  one simulated test under RUNS=100 seeds, random and PCT schedules, on every"
	@echo "                     core; stops at the first failure with its seed, the command that replays it"
	@echo "                     and its report page; SEED=B repeats an exploration, JOBS=J sets the processes"
	@echo "make fmt             check the formatting (cargo fmt fixes it)"
	@echo "make lint            clippy, warnings as errors"
# BEGIN STAFF
	@echo "make mutants         grade every planted-bug patch of grading/mutants/ and every stub mutant (one"
	@echo "                     function stubbed as in the handout); fails if one scores 100% or a stub's"
	@echo "                     failures do not name its function"
	@echo "make handout OUT=dir the students' skeleton: solution regions replaced by stubs naming their function,"
	@echo "                     the private design by one comment line, staff lines of this Makefile dropped"
	@echo "make bench           benchmark tables: labrpc, primary/backup operations, linearizability checker"
	@echo "make bench-ab REV=c  labrpc's call path at commit c against the working tree's, in one run: each a"
	@echo "                     program of its own, in turns, beside a control (c's code again) that shows"
	@echo "                     the machine's noise; ROUNDS=12 SECS=1 ROWS='null2 null8' (about 5 minutes)"
	@echo "make tools           install bubblewrap and Chromium, which some tests use (apt-get, as root)"
	@echo "make gradescope-check"
	@echo "                     as root, in a Gradescope-like root (the zip of HEAD): setup.sh, then run_autograder"
	@echo "                     on the reference (must score full marks) and on a build failure (0, rustc's error)"
	@echo "                     AUTOGRADER_ROOT=dir uses and keeps that root; KEEP=1 keeps the temporary one"
# END STAFF
# HANDOUT:	@echo "make tools           install the system tools the tests use, if they need any (apt-get, as root)"
	@echo "Environment: RUST_LOG=debug shows the story of views, RPCs and faults;"
	@echo "             LAB_SEED=N repeats the fault decisions of a run that printed seed N."

ifneq ($(strip $(S)),)
test: tools
	@CARGO='$(CARGO)' bash scripts/test-suite.sh '$(S)' '$(T)'
else ifneq ($(strip $(T)),)
test: tools
	@$(CARGO) run -q -p labreport --bin lab-test -- '$(T)'
else
test: tools fmt lint
	@CARGO='$(CARGO)' bash scripts/test-workspace.sh
endif

test-sim:
	@CARGO='$(CARGO)' bash scripts/test-sim.sh '$(T)'

explore:
	@$(CARGO) run -q -p labreport --bin lab-explore -- --runs '$(RUNS)' \
		$(if $(strip $(SEED)),--seed '$(SEED)') $(if $(strip $(JOBS)),--jobs '$(JOBS)') -- '$(T)'

# The system tools the tests use (bubblewrap, Chromium): installed where possible, else named.
tools:
	@bash scripts/test-tools.sh

fmt:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The grader (grading/, binary `grade`). SUB defaults to this workspace.
SUB ?=
GRADE_FLAGS ?=
GRADE = $(CARGO) run -q -p grading --bin grade --

grade:
	$(GRADE) $(GRADE_FLAGS) $(SUB)
# BEGIN STAFF

# MUTANTS_FLAGS='--mutant vs_ --rounds 5' narrows or repeats the matrix; --no-stubs or --stubs-only
# picks a kind. A stub mutant is graded only until a failure names it (--stop-at-first-catch).
MUTANTS_FLAGS ?= --timeout-scale 0.5 --stop-at-first-catch
mutants:
	$(GRADE) mutants $(MUTANTS_FLAGS)

# The Gradescope flow on this machine (grading/gradescope/check.sh). AUTOGRADER_ROOT empty: a
# temporary root, removed at the end unless KEEP=1; a directory: used as is and kept.
AUTOGRADER_ROOT ?=
KEEP ?=
gradescope-check:
	AUTOGRADER_ROOT='$(AUTOGRADER_ROOT)' KEEP='$(KEEP)' bash grading/gradescope/check.sh

OUT ?= handout
handout:
	$(GRADE) handout --out '$(OUT)'

bench:
	$(CARGO) bench -p labrpc --bench roundtrip
	$(CARGO) bench -p labtests --bench pb_ops
	$(CARGO) bench -p labtests --features simulation --bench search
	$(CARGO) bench -p lincheck --bench lincheck

REV ?=
bench-ab:
	@bash scripts/labrpc-ab/run.sh '$(REV)'
# END STAFF
