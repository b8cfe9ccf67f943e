"""The platform's names of places and categories, in every language of the
site (django-modeltranslation adds name_en and name_zh_hans; `name` reads
and filters in the active language, falling back to English)."""

from modeltranslation.translator import TranslationOptions, register

from .models import BusinessArea, Category, City, District


@register(City)
class CityTranslation(TranslationOptions):
    fields = ("name",)


@register(District)
class DistrictTranslation(TranslationOptions):
    fields = ("name",)


@register(BusinessArea)
class BusinessAreaTranslation(TranslationOptions):
    fields = ("name",)


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name",)
