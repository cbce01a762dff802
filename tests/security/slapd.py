"""A real OpenLDAP server for the directory sign-in tests: Debian's slapd, started on a free loopback port in
a temporary directory, loaded with a small directory by ldapadd (ldap-utils), stopped at the end."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUFFIX = "dc=bank,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-admin-secret"
PASSWORD = "dir-pass-2026"
AUDITORS_DN = f"cn=desk-auditors,ou=groups,{SUFFIX}"
INTEGRATORS_DN = f"cn=desk-integrators,ou=groups,{SUFFIX}"

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {tmp}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {tmp}/db
"""


def person(uid: str, given: str, family: str) -> str:
    return f"""dn: uid={uid},ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: {uid}
cn: {given} {family}
givenName: {given}
sn: {family}
mail: {uid}@bank.test
userPassword: {PASSWORD}
"""


DIRECTORY = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: bank
o: Bank

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups

{person("zhang.san", "San", "Zhang")}
{person("li.si", "Si", "Li")}
{person("feed.bot", "Feed", "Bot")}
dn: {AUDITORS_DN}
objectClass: groupOfNames
cn: desk-auditors
member: {ADMIN_DN}
member: uid=li.si,ou=people,{SUFFIX}

dn: {INTEGRATORS_DN}
objectClass: groupOfNames
cn: desk-integrators
member: {ADMIN_DN}
member: uid=feed.bot,ou=people,{SUFFIX}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Slapd:
    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="slapd-")
        self.dir = Path(self._tmp.name)
        self.port = _free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Slapd:
        (self.dir / "db").mkdir()
        conf = self.dir / "slapd.conf"
        conf.write_text(CONFIG.format(tmp=self.dir, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD))
        # -d 0: stay in the foreground (so we own the process and stop it by its id), log nothing.
        self.process = subprocess.Popen(
            ["/usr/sbin/slapd", "-f", str(conf), "-h", f"{self.uri}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        self.ldap("ldapadd", input_text=DIRECTORY)
        return self

    def ldap(self, tool: str, *args: str, input_text: str = "") -> None:
        subprocess.run(
            [tool, "-x", "-H", self.uri, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, *args],
            input=input_text.encode(),
            check=True,
            capture_output=True,
            timeout=15,
        )

    def remove(self, dn: str) -> None:
        self.ldap("ldapdelete", dn)

    def modify(self, ldif: str) -> None:
        self.ldap("ldapmodify", input_text=ldif)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._tmp.cleanup()

    def environment(self) -> dict[str, str]:
        return {
            "LDAP_SERVER_URI": self.uri,
            "LDAP_BIND_DN": ADMIN_DN,
            "LDAP_BIND_PASSWORD": ADMIN_PASSWORD,
            "LDAP_USER_BASE": f"ou=people,{SUFFIX}",
            "LDAP_USER_FILTER": "(uid=%(user)s)",
            "LDAP_GROUP_BASE": f"ou=groups,{SUFFIX}",
            "LDAP_AUDITOR_GROUP": AUDITORS_DN,
            "LDAP_INTEGRATOR_GROUP": INTEGRATORS_DN,
        }
