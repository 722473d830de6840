/* banner: see issue 3 */
