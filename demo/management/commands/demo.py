"""Create the 淮南 demo data and print the demo logins.

Usage: ``python manage.py demo``. Safe to run twice: organizations and users are found by name,
projects and needs by title, so a second run creates nothing (a partial first run is topped up).

How past stages are built: the demo walks each project through the real services
(demo.stages.build_project_at_stage) and completes the matching viewflow tasks, so every inbox
holds real work. Legal time limits (a 竞争性磋商 bid deadline at least 10 days after
publication, service records within 24 hours …) cannot be met at a single instant, so each
project is built under ``time_machine`` (a runtime dependency for this reason): the clock is
frozen at each step's day, starting far enough in the past that the project's last step lands
yesterday. Timestamps, audit rows and notifications therefore read like a real history; tenders
still open for bids get deadlines in the real future and stay sealed.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.build import demo_build, demo_logins


class Command(BaseCommand):
    help = "创建淮南市田家庵区演示数据（可重复运行）并打印演示账号。"

    def handle(self, *args, **options):
        result = demo_build()
        self.stdout.write(
            f"演示数据：本次新建项目 {len(result.built)} 个、居民需求 {len(result.needs)} 条"
            + ("" if result.built or result.needs else "（已存在，未重复创建）")
        )
        for build in result.built:
            self.stdout.write(f"  {build.project.code if build.project else '—'}  "
                              f"{build.spec.title}  →  {build.stage}")
        rows = demo_logins(result.cast)
        header = ("用户名 username", "密码 password", "角色 role", "机构 organization")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]
        lines = [
            "  ".join(str(v).ljust(widths[i]) if i < 3 else str(v) for i, v in enumerate(row))
            for row in [header, *rows]
        ]
        text = "\n".join(lines) + "\n"
        path = settings.DATA_DIR / "demo_logins.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write("\n演示账号 Demo logins:")
        self.stdout.write(text)
        self.stdout.write(f"（已保存到 {path}）")
