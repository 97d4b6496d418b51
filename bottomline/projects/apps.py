from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "bottomline.projects"
    verbose_name = _("Project library and bridging funds")

    def ready(self) -> None:
        from bottomline.projects import importing  # noqa: F401  (registers its job)
        from bottomline.projects.lines import project_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(project_lines)  # the household page lists the projects that benefit it
