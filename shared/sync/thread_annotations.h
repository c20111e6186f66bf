// Clang's thread-safety analysis attributes (as LevelDB's port/thread_annotations.h).
// Other compilers see nothing. scripts/lint compiles every file that uses
// shared/sync/mutex.h with clang and -Wthread-safety -Werror, so a member read
// without its mutex, or a function called without the lock it REQUIRES, fails
// the lint step.
#pragma once

#if defined(__clang__)
#define KB_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KB_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) KB_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY KB_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) KB_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) KB_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) KB_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) KB_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) KB_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) KB_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) KB_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) KB_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS KB_THREAD_ANNOTATION(no_thread_safety_analysis)
