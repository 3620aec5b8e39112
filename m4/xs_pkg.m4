dnl XS_REQUIRE_PKG(VAR, pkg-config-module, debian-package)
dnl Like PKG_CHECK_MODULES, but a failure names the Debian package that
dnl provides the module, so the user knows what to install.
AC_DEFUN([XS_REQUIRE_PKG], [
    PKG_CHECK_MODULES([$1], [$2], [],
        [AC_MSG_ERROR([pkg-config module '$2' not found: install the Debian package '$3' (apt-get install $3), or run scripts/install-deps.sh])])
])

dnl XS_OPTIONAL_PROG(VAR, program, what-it-is-for)
dnl Records the program's path in VAR (empty when missing) and says what
dnl will be skipped without it.
AC_DEFUN([XS_OPTIONAL_PROG], [
    AC_PATH_PROG([$1], [$2], [])
    AS_IF([test -z "$$1"],
          [AC_MSG_WARN([$2 not found: needed for $3])])
])
