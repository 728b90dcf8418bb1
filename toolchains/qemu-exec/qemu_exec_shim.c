/* qemu_exec_shim.c: lets a program running under qemu-user start other target programs.
 *
 * Without binfmt_misc (CI machines have none), a test running under qemu-user that spawns the
 * real `stbfailover` binary (execv, posix_spawn) fails with ENOEXEC: qemu passes execve straight
 * to the host kernel, which cannot run a foreign ELF. qemu-run.sh preloads this library into
 * the guest; it wraps execv/execve/posix_spawn so that a path naming an ELF file of the guest's
 * own machine is started as `qemu -L SYSROOT -E LD_LIBRARY_PATH=.. -E LD_PRELOAD=.. PATH ARGS`
 * instead. Host programs and scripts (python3, openssl, sh) are started unchanged.
 *
 * Configuration comes from the guest environment, set by qemu-run.sh:
 *   STBF_QEMU_BIN      host path of the qemu-user binary
 *   STBF_QEMU_SYSROOT  the -L sysroot
 * LD_PRELOAD and LD_LIBRARY_PATH name target files: at load the shim takes them out of the
 * process environment (every host program started in any way, system() included, would
 * otherwise get a foreign preload and say so on stderr) and hands them to child qemu
 * processes as -E options.
 *
 * MIPS only: qemu-user 7.2 hands getsockopt(SO_ERROR) the host's errno value unchanged, and
 * MIPS numbers socket errors differently (ECONNREFUSED is 111 on x86/ARM, 146 on MIPS), so a
 * refused non-blocking connect looked like an unknown error. The shim maps the socket errors
 * back, as a real MIPS kernel would report them.
 *
 * Test-only: built by toolchains/deps/build-deps.sh into the per-arch deps prefix.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern char** environ;

#if defined(__aarch64__)
#define GUEST_MACHINE EM_AARCH64
#elif defined(__arm__)
#define GUEST_MACHINE EM_ARM
#elif defined(__mips__)
#define GUEST_MACHINE EM_MIPS
#else
#error "qemu_exec_shim.c: unknown guest machine"
#endif

enum { MAX_ARGS = 1024, MAX_ENV = 4096, QEMU_ARGS = 8 };

/* Whether path is an ELF executable for this (guest) machine. */
static int is_guest_elf(const char* path) {
    if (path == NULL || strchr(path, '/') == NULL) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    unsigned char header[20];
    ssize_t n = read(fd, header, sizeof header);
    close(fd);
    if (n < (ssize_t)sizeof header || memcmp(header, ELFMAG, SELFMAG) != 0) return 0;
    unsigned machine = header[EI_DATA] == ELFDATA2MSB ? (header[18] << 8) | header[19]
                                                      : header[18] | (header[19] << 8);
    return machine == GUEST_MACHINE;
}

static int starts_with(const char* s, const char* prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The qemu command for path/argv and a host environment without the target loader variables.
 * Returns 0, or -1 with errno set. Storage is static per call site: the caller execs or spawns
 * right away (after fork, or in a test program that spawns one child at a time). */
struct qemu_command {
    char* argv[MAX_ARGS + QEMU_ARGS];
    char* envp[MAX_ENV];
};

static char guest_preload[4096] = "LD_PRELOAD=";
static char guest_library_path[4096] = "LD_LIBRARY_PATH=";

static void stash(const char* name, char* buffer, size_t size) {
    const char* value = getenv(name);
    if (value == NULL) return;
    strncat(buffer, value, size - strlen(buffer) - 1);
    unsetenv(name);
}

/* The loader has read both variables already; children get them back only through qemu. */
__attribute__((constructor)) static void stash_guest_loader_environment(void) {
    stash("LD_PRELOAD", guest_preload, sizeof guest_preload);
    stash("LD_LIBRARY_PATH", guest_library_path, sizeof guest_library_path);
}

static int build_qemu_command(struct qemu_command* cmd, const char* path, char* const argv[],
                              char* const envp[]) {
    const char* qemu = getenv("STBF_QEMU_BIN");
    const char* sysroot = getenv("STBF_QEMU_SYSROOT");
    if (qemu == NULL || sysroot == NULL) {
        errno = ENOEXEC;
        return -1;
    }
    size_t e = 0;
    for (size_t i = 0; envp != NULL && envp[i] != NULL && e + 1 < MAX_ENV; ++i) {
        if (!starts_with(envp[i], "LD_PRELOAD=") && !starts_with(envp[i], "LD_LIBRARY_PATH=")) {
            cmd->envp[e++] = envp[i];
        }
    }
    cmd->envp[e] = NULL;
    size_t a = 0;
    cmd->argv[a++] = (char*)qemu;
    cmd->argv[a++] = (char*)"-L";
    cmd->argv[a++] = (char*)sysroot;
    cmd->argv[a++] = (char*)"-E";
    cmd->argv[a++] = guest_library_path;
    cmd->argv[a++] = (char*)"-E";
    cmd->argv[a++] = guest_preload;
    cmd->argv[a++] = (char*)path;
    /* argv[0] of the target is replaced by its path: qemu takes the program from there. */
    for (size_t i = 1; argv != NULL && argv[0] != NULL && argv[i] != NULL; ++i) {
        if (a + 1 >= MAX_ARGS + QEMU_ARGS) {
            errno = E2BIG;
            return -1;
        }
        cmd->argv[a++] = argv[i];
    }
    cmd->argv[a] = NULL;
    return 0;
}

typedef int (*execve_fn)(const char*, char* const[], char* const[]);
typedef int (*spawn_fn)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                        const posix_spawnattr_t*, char* const[], char* const[]);

int execve(const char* path, char* const argv[], char* const envp[]) {
    execve_fn real = (execve_fn)dlsym(RTLD_NEXT, "execve");
    if (!is_guest_elf(path)) return real(path, argv, envp);
    static struct qemu_command cmd;
    if (build_qemu_command(&cmd, path, argv, envp) != 0) return -1;
    return real(cmd.argv[0], cmd.argv, cmd.envp);
}

int execv(const char* path, char* const argv[]) { return execve(path, argv, environ); }

int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
    spawn_fn real = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawn");
    if (!is_guest_elf(path)) return real(pid, path, actions, attr, argv, envp);
    static struct qemu_command cmd;
    if (build_qemu_command(&cmd, path, argv, envp) != 0) return errno;
    return real(pid, cmd.argv[0], actions, attr, cmd.argv, cmd.envp);
}

#if defined(__mips__)
typedef int (*getsockopt_fn)(int, int, int, void*, socklen_t*);

/* Host (x86/generic Linux) errno of a socket error -> the MIPS value the guest expects. */
static int mips_errno_from_host(int host) {
    static const int map[][2] = {
        {98, EADDRINUSE},   {99, EADDRNOTAVAIL}, {100, ENETDOWN},   {101, ENETUNREACH},
        {102, ENETRESET},   {103, ECONNABORTED}, {104, ECONNRESET}, {105, ENOBUFS},
        {106, EISCONN},     {107, ENOTCONN},     {110, ETIMEDOUT},  {111, ECONNREFUSED},
        {112, EHOSTDOWN},   {113, EHOSTUNREACH}, {114, EALREADY},   {115, EINPROGRESS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; ++i) {
        if (map[i][0] == host) return map[i][1];
    }
    return host;
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
    getsockopt_fn real = (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt");
    int result = real(fd, level, name, value, length);
    if (result == 0 && level == SOL_SOCKET && name == SO_ERROR && value != NULL &&
        length != NULL && *length >= sizeof(int)) {
        int* error = (int*)value;
        *error = mips_errno_from_host(*error);
    }
    return result;
}
#endif

/* execvp/posix_spawnp with a path (a slash in the name) may name a target program. */
typedef int (*execvp_fn)(const char*, char* const[]);

int execvp(const char* file, char* const argv[]) {
    if (strchr(file, '/') != NULL) return execve(file, argv, environ);
    execvp_fn real = (execvp_fn)dlsym(RTLD_NEXT, "execvp");
    return real(file, argv);
}

int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                 const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
    if (strchr(file, '/') != NULL) return posix_spawn(pid, file, actions, attr, argv, envp);
    spawn_fn real = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawnp");
    return real(pid, file, actions, attr, argv, envp);
}
