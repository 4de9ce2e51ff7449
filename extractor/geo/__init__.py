"""Places: countries and first-level regions named in text, the GeoNames gazetteer and its index kept on disk,
towns, datelines and the countries an article is about."""
