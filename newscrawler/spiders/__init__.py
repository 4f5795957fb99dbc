"""Spiders: `NewsSpider` and one subclass per registered site (`scrapy list` shows them all)."""
