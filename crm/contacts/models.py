from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.contacts.visibility import CardQuerySet


class BaseType(models.TextChoices):
    LEAD = "lead", _("Lead")
    ACTIVE = "active", _("Active client")
    SLEEPING = "sleeping", _("Sleeping")
    BLACKLIST = "blacklist", _("Blacklist")
    PARTNER = "partner", _("Partner")
    ARCHIVE = "archive", _("Archive")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    WORK = "work", _("Work")
    HOME = "home", _("Home")
    FAX = "fax", _("Fax")
    OTHER = "other", _("Other")


class EmailKind(models.TextChoices):
    WORK = "work", _("Work")
    PERSONAL = "personal", _("Personal")
    OTHER = "other", _("Other")


class MessengerKind(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    VK = "vk", _("VK")
    VIBER = "viber", "Viber"
    MAX = "max", "MAX"
    SKYPE = "skype", "Skype"
    OTHER = "other", _("Other")


class VerificationMethod(models.TextChoices):
    CALL = "call", _("Confirmed by a call")
    REPLY = "reply", _("Confirmed by a reply")
    CODE = "code", _("Confirmed by a code")


class Tag(models.Model):
    """A label shared by contacts and companies (one spelling for everyone)."""

    name = models.CharField(_("name"), max_length=64)
    key = models.CharField(max_length=64, unique=True, editable=False)  # casefolded: "VIP" and "vip" are one

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ContactStatus(models.Model):
    """A step of the client's relationship (Первый контакт → … → Постоянный партнер); a managed list."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("client status")
        verbose_name_plural = _("client statuses")

    def __str__(self) -> str:
        return self.name


class OwnedRecord(models.Model):
    """Fields every scoped, trashable card shares.

    ``department`` copies the owner's department (kept by services) so that a head's scope is an
    indexed filter on the card's own table rather than a join through users.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    is_key = models.BooleanField(_("key client"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record_type = models.ForeignKey(
        "fields.RecordType",
        verbose_name=_("type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Custom field values by key, validated by the field registry (decision 0003); no migration per field.
    custom = models.JSONField(default=dict, blank=True)
    # Percent of the type's required and recommended fields that are filled; kept by the services.
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=100)
    # The last call, e-mail, meeting or message (R2.4): kept by the timeline's services, never computed per
    # row, so "no contact for 90 days" is an index range.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # The purchase history in three numbers (R4.5), kept by the orders' services (crm/deals) in the
    # transaction that writes an order: lists and segments read them from the card's own row. The total is
    # of the orders in roubles; cancelled and trashed orders do not count. Empty until the first order:
    # nullable columns are added to a big SQLite table in place, where a default would rebuild it.
    orders_count = models.PositiveIntegerField(_("orders"), null=True, blank=True)
    orders_total = models.DecimalField(
        _("orders total"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    # The largest of those orders in roubles: "has an order of 50,000 ₽ or more" is a column of the card.
    orders_max = models.DecimalField(
        _("largest order"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    # ``visible_to(user)``: the one read rule of cards (crm/contacts/visibility.py).
    objects = CardQuerySet.as_manager()

    class Meta:
        abstract = True


class Company(OwnedRecord):
    """An organisation; people are linked to it through employments with a position."""

    name = models.CharField(_("name"), max_length=255)
    legal_form = models.CharField(_("legal form"), max_length=32, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.URLField(_("website"), max_length=255, blank=True)
    size = models.CharField(_("size"), max_length=32, blank=True)
    legal_address = models.CharField(_("legal address"), max_length=255, blank=True)
    name_key = models.CharField(max_length=255, blank=True, editable=False)

    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["inn"], name="company_inn_idx"),
            models.Index(fields=["name_key", "id"], name="company_name_idx"),
            models.Index(fields=["owner", "id"], name="company_owner_idx"),
            models.Index(fields=["department", "id"], name="company_dept_idx"),
            models.Index(
                fields=["deleted_at"], name="company_trash_idx", condition=models.Q(deleted_at__isnull=False)
            ),
            models.Index(fields=["ogrn"], name="company_ogrn_idx"),
            models.Index(fields=["-created_at", "-id"], name="company_created_idx"),
            models.Index(fields=["completeness", "id"], name="company_completeness_idx"),
            models.Index(
                fields=["last_contact_at", "id"],
                name="company_last_contact_idx",
                condition=models.Q(deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(OwnedRecord):
    """A person: the client card."""

    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    base_type = models.CharField(
        _("base type"), max_length=16, choices=BaseType.choices, default=BaseType.LEAD
    )
    status = models.ForeignKey(
        ContactStatus, verbose_name=_("status"), null=True, blank=True, on_delete=models.PROTECT
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # "last first middle", lower-case and Ё→Е: the key for sorting, prefix search and trigram search.
    name_key = models.CharField(max_length=310, blank=True, editable=False)
    # The surname as it sounds (crm.core.names.sound_key: Ё/Е, any transliteration, the wrong layout all
    # alike): how the duplicate finder finds a new card's possible twins with one index lookup.
    name_sound = models.CharField(max_length=100, blank=True, editable=False)
    # The first name as it sounds: how search finds "Саша", "Aleksandr" or "Fktrcfylh" among the Александрs
    # with an index lookup per form (crm.core.names.first_name_keys), not a scan of every name.
    first_sound = models.CharField(max_length=100, blank=True, editable=False)

    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")
    companies = models.ManyToManyField(Company, through="Employment", related_name="people")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["name_key", "id"], name="contact_name_idx"),
            models.Index(fields=["name_sound", "name_key", "id"], name="contact_sound_name_idx"),
            models.Index(fields=["first_sound", "name_key", "id"], name="contact_first_sound_idx"),
            models.Index(fields=["name_sound", "first_sound"], name="contact_sound_first_idx"),
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
            models.Index(fields=["-updated_at", "-id"], name="contact_updated_idx"),
            models.Index(fields=["owner", "name_key", "id"], name="contact_owner_name_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="contact_owner_created_idx"),
            models.Index(fields=["owner", "base_type", "name_key", "id"], name="contact_owner_type_name_idx"),
            models.Index(fields=["department", "name_key", "id"], name="contact_dept_name_idx"),
            models.Index(fields=["department", "-created_at", "-id"], name="contact_dept_created_idx"),
            models.Index(fields=["base_type", "name_key", "id"], name="contact_type_name_idx"),
            models.Index(fields=["status", "name_key", "id"], name="contact_status_name_idx"),
            models.Index(fields=["city", "name_key", "id"], name="contact_city_name_idx"),
            models.Index(fields=["source", "name_key", "id"], name="contact_source_name_idx"),
            models.Index(fields=["completeness", "id"], name="contact_completeness_idx"),
            models.Index(fields=["owner", "completeness", "id"], name="contact_owner_complete_idx"),
            # Live cards only: "no contact for N days" counts from this index alone (no row is read to
            # check deleted_at), and the list sorts by it.
            models.Index(
                fields=["last_contact_at", "id"],
                name="contact_last_contact_idx",
                condition=models.Q(deleted_at__isnull=True),
            ),
            # "An order of 50,000 ₽ or more but no contact for 90 days": each silent part (an older last
            # contact; none and an older card) is a range of this index that also holds the largest order,
            # so a segment counts 700,000 such cards from the index alone (2.4 s → 0.07 s on SQLite).
            models.Index(
                fields=["last_contact_at", "created_at", "orders_max"],
                name="contact_silent_buyer_idx",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["owner", "last_contact_at", "id"], name="contact_owner_contact_idx"),
            models.Index(fields=["department", "last_contact_at", "id"], name="contact_dept_contact_idx"),
            # Partial: only the trash uses it, so no planner picks it for "deleted_at IS NULL" lists.
            models.Index(
                fields=["deleted_at"], name="contact_trash_idx", condition=models.Q(deleted_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p) or "—"

    @property
    def birthday_display(self) -> str:
        if not (self.birth_day and self.birth_month):
            return ""
        text = f"{self.birth_day:02d}.{self.birth_month:02d}"
        return f"{text}.{self.birth_year}" if self.birth_year else text


class SearchWord(models.Model):
    """Every word that occurs in a contact's or company's name: the vocabulary typo-tolerant search
    corrects a query against (a few thousand rows, not a million). Kept by the services."""

    kind = models.CharField(max_length=16)
    word = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "word"], name="search_word_unique")]

    def __str__(self) -> str:
        return self.word


class PhoneRow(models.Model):
    """A phone of a card: E.164 plus its extension, so duplicate checks are index lookups."""

    number = models.CharField(_("phone"), max_length=20)  # E.164
    extension = models.CharField(_("extension"), max_length=10, blank=True)
    tail = models.CharField(max_length=7, editable=False)  # last 7 digits: search by "the last 7"
    kind = models.CharField(_("kind"), max_length=16, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    is_primary = models.BooleanField(_("primary"), default=False)
    note = models.CharField(_("note"), max_length=100, blank=True)
    # An office switchboard or a family phone: several people's (or several companies'), so never a reason
    # to refuse a card or to merge two (R7.1), only a hint.
    is_shared = models.BooleanField(_("shared"), default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_method = models.CharField(max_length=16, choices=VerificationMethod.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["-is_primary", "position", "id"]

    def __str__(self) -> str:
        return self.number + (f" ext. {self.extension}" if self.extension else "")


class EmailRow(models.Model):
    """An e-mail of a card, stored trimmed and lower-cased."""

    address = models.CharField(_("e-mail"), max_length=254)
    kind = models.CharField(_("kind"), max_length=16, choices=EmailKind.choices, default=EmailKind.WORK)
    is_primary = models.BooleanField(_("primary"), default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_method = models.CharField(max_length=16, choices=VerificationMethod.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["-is_primary", "position", "id"]

    def __str__(self) -> str:
        return self.address


class ContactPhone(PhoneRow):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")

    class Meta(PhoneRow.Meta):
        indexes = [
            models.Index(fields=["number", "extension"], name="phone_number_idx"),
            models.Index(fields=["tail"], name="phone_tail_idx"),
        ]


class ContactEmail(EmailRow):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")

    class Meta(EmailRow.Meta):
        indexes = [models.Index(fields=["address"], name="email_address_idx")]


class CompanyPhone(PhoneRow):
    """A company's line (the switchboard, sales, accounts): several per company, each with its kind."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="phones")

    class Meta(PhoneRow.Meta):
        indexes = [
            models.Index(fields=["number", "extension"], name="company_phone_number_idx"),
            models.Index(fields=["tail"], name="company_phone_tail_idx"),
        ]


class CompanyEmail(EmailRow):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="emails")

    class Meta(EmailRow.Meta):
        indexes = [models.Index(fields=["address"], name="company_email_address_idx")]


class ContactMessenger(models.Model):
    """A messenger account (Telegram, WhatsApp, VK …)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messengers")
    kind = models.CharField(_("messenger"), max_length=16, choices=MessengerKind.choices)
    handle = models.CharField(_("account"), max_length=255)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.handle}"


class Employment(models.Model):
    """A person works at a company in a position."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="employments")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="employments")
    position = models.CharField(_("position"), max_length=150, blank=True)
    is_primary = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["contact", "company"], name="employment_unique")]

    def __str__(self) -> str:
        return f"{self.contact_id} @ {self.company_id}"


class StatusChange(models.Model):
    """The history of a contact's status, so "stuck in a status for two weeks" is a query."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.ForeignKey(
        ContactStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_status = models.ForeignKey(
        ContactStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["to_status", "at"], name="status_change_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.from_status_id} → {self.to_status_id}"


class Comment(models.Model):
    """A comment on a contact or a company card (R1.9)."""

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(company__isnull=False),
                name="comment_has_target",
            )
        ]

    def __str__(self) -> str:
        return self.text[:50]


class ListLayout(models.Model):
    """The columns a user chose for a list of people or of companies, in their order (``columns.py``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="list_layout_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {len(self.columns)}"
