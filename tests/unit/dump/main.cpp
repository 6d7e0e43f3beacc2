#define BOOST_TEST_MODULE strato_dump
#include <boost/test/unit_test.hpp>
